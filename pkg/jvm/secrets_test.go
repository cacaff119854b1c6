package jvm

import "testing"

func TestMaskSecrets(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"system property password",
			"java -Xmx512m -Ddb.password=hunter2 -cp app.jar Main",
			"java -Xmx512m -Ddb.password=*** -cp app.jar Main"},
		{"camelCase and upper case",
			"java -Djavax.net.ssl.keyStorePassword=changeit -DAPI_TOKEN=abc123 -DclientSecret=s3 -jar app.jar",
			"java -Djavax.net.ssl.keyStorePassword=*** -DAPI_TOKEN=*** -DclientSecret=*** -jar app.jar"},
		{"key and credential words",
			"java -Ddd.api.key=0123abcd -Dnewrelic.config.license_key=lk -Daws.secretAccessKey=x -Dgcp.credentials=json -cp . M",
			"java -Ddd.api.key=*** -Dnewrelic.config.license_key=*** -Daws.secretAccessKey=*** -Dgcp.credentials=*** -cp . M"},
		{"spring boot arguments",
			"java -jar app.jar --spring.datasource.password=pw --server.port=8080 --auth-token=t0k",
			"java -jar app.jar --spring.datasource.password=*** --server.port=8080 --auth-token=***"},
		{"option and value apart",
			"java -jar app.jar --password hunter2 --verbose",
			"java -jar app.jar --password *** --verbose"},
		{"secret word as a whole lower-case word",
			"java -Ddbpassword=x -Dmyapikey=y -jar a.jar",
			"java -Ddbpassword=*** -Dmyapikey=*** -jar a.jar"},
		{"URL user info",
			"java -Dspring.datasource.url=jdbc:postgresql://app:s3cret@db:5432/shop -jar a.jar",
			"java -Dspring.datasource.url=jdbc:postgresql://app:***@db:5432/shop -jar a.jar"},
		{"password inside a JDBC URL's properties",
			"java -Ddb.url=jdbc:sqlserver://db:1433;user=app;password=pw;encrypt=true -jar a.jar",
			"java -Ddb.url=jdbc:sqlserver://db:1433;user=app;password=***;encrypt=true -jar a.jar"},
		{"query string token",
			"java -Dwebhook=https://hooks.example/x?token=abc&mode=1 M",
			"java -Dwebhook=https://hooks.example/x?token=***&mode=1 M"},
		{"agent options",
			"java -javaagent:/opt/agent.jar=apikey=k1,host=h -jar a.jar",
			"java -javaagent:/opt/agent.jar=apikey=***,host=h -jar a.jar"},

		// Must NOT be masked: ordinary options and names about a secret rather than the secret.
		{"ordinary options", "java -Xmx512m -XX:+UseG1GC -Dfile.encoding=UTF-8 -Dspring.profiles.active=prod -cp /app/lib/* com.example.Main",
			"java -Xmx512m -XX:+UseG1GC -Dfile.encoding=UTF-8 -Dspring.profiles.active=prod -cp /app/lib/* com.example.Main"},
		{"words that merely contain a secret word", "java -Dmonkey=banana -Dtokenizer=bpe -Dkeyboard.layout=us -Dpassage=x M",
			"java -Dmonkey=banana -Dtokenizer=bpe -Dkeyboard.layout=us -Dpassage=x M"},
		{"paths and URLs of secrets", "java -Djavax.net.ssl.keyStore=/etc/ks.jks -Dcom.sun.management.jmxremote.password.file=/etc/jmx.pw -Doauth.token.url=https://idp/token -Djavax.net.ssl.keyStoreType=PKCS12 M",
			"java -Djavax.net.ssl.keyStore=/etc/ks.jks -Dcom.sun.management.jmxremote.password.file=/etc/jmx.pw -Doauth.token.url=https://idp/token -Djavax.net.ssl.keyStoreType=PKCS12 M"},
		{"URL without a password", "java -Ddb.url=jdbc:postgresql://app@db/shop -Dhttp.proxy=http://proxy:3128 M",
			"java -Ddb.url=jdbc:postgresql://app@db/shop -Dhttp.proxy=http://proxy:3128 M"},
		{"debug agent", "java -agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005 -jar a.jar",
			"java -agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005 -jar a.jar"},
		{"empty secret value", "java -Ddb.password= M", "java -Ddb.password= M"},
		{"flag without value before an option", "java -jar a.jar --token --verbose", "java -jar a.jar --token --verbose"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskSecrets(tt.in); got != tt.want {
				t.Errorf("MaskSecrets(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestAnalyzeMasksCommand: the command line that leaves Analyze, and so is stored, is masked.
func TestAnalyzeMasksCommand(t *testing.T) {
	rec := &JVMRecord{PID: 7, Command: "java -Ddb.password=hunter2 -cp app.jar Main"}
	if p := Analyze(rec, nil, 0); p.Command != "java -Ddb.password=*** -cp app.jar Main" {
		t.Errorf("Command = %q", p.Command)
	}
}

func FuzzMaskSecrets(f *testing.F) {
	f.Add("java -Ddb.password=x --token y -Durl=jdbc:x://a:b@c/d;password=e")
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskSecrets(in)
		if MaskSecrets(out) != out {
			t.Errorf("masking is not idempotent: %q -> %q -> %q", in, out, MaskSecrets(out))
		}
	})
}
