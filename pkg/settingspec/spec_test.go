package settingspec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// updateEnv rewrites README.md's generated tables instead of failing.
const updateEnv = "STACKCAPTURE_UPDATE_GENERATED"

func TestLoadChecksEveryBoundedSetting(t *testing.T) {
	spec, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, list := range [][]Setting{spec.Server, spec.Org} {
		for _, st := range list {
			if st.Key == "" || st.Doc == "" {
				t.Errorf("setting %+v has no key or no doc", st)
			}
			if st.DefaultText == "" && len(st.Default) == 0 {
				t.Errorf("%s: neither default nor defaultText", st.Key)
			}
			switch st.Kind {
			case KindDuration, KindInt, KindBytes:
				if !st.Bounded() {
					t.Errorf("%s: a %s setting needs min and max", st.Key, st.Kind)
				}
			}
		}
	}
	for _, st := range spec.Org {
		if seen[st.Key] {
			t.Errorf("org setting %s twice", st.Key)
		}
		seen[st.Key] = true
		if st.Label == "" {
			t.Errorf("org setting %s has no label for the config page", st.Key)
		}
	}
}

func TestSettingRejectsBadBounds(t *testing.T) {
	tests := []struct {
		name string
		st   Setting
	}{
		{"default below min", Setting{Key: "x", Kind: KindInt, Default: []byte("0"), Min: []byte("1"), Max: []byte("2")}},
		{"min above max", Setting{Key: "x", Kind: KindBytes, Default: []byte("5"), Min: []byte("9"), Max: []byte("2")}},
		{"duration not a string", Setting{Key: "x", Kind: KindDuration, Default: []byte("2"), Min: []byte(`"1s"`), Max: []byte(`"3s"`)}},
		{"duration unparsable", Setting{Key: "x", Kind: KindDuration, Default: []byte(`"2 s"`), Min: []byte(`"1s"`), Max: []byte(`"3s"`)}},
		{"int not whole", Setting{Key: "x", Kind: KindInt, Default: []byte("1.5"), Min: []byte("1"), Max: []byte("2")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.st.check(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"16 MiB", 16 << 20, false},
		{"512 KiB", 512 << 10, false},
		{"1 GiB", 1 << 30, false},
		{"1gib", 1 << 30, false},
		{"  1048576 ", 1 << 20, false},
		{"100 B", 100, false},
		{"100 bytes", 100, false},
		{"1.5 KiB", 1536, false},
		{"4 EiB", 4 << 60, false},
		{"0", 0, false},
		{"16 MB", 0, true},
		{"16 M", 0, true},
		{"1.3 B", 0, true},
		{"0.1 KiB", 0, true}, // 102.4 bytes
		{"", 0, true},
		{"MiB", 0, true},
		{"-1 KiB", 0, true},
		{"8 EiB", 0, true}, // overflows int64
		{"1.2.3 KiB", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBytes(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseBytes(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
	for _, n := range []int64{0, 1, 1000, 1023, 1024, 1536, 65536, 16 << 20, 1 << 30, 3 << 40, 1 << 62} {
		text := FormatBytes(n)
		if back, err := ParseBytes(text); err != nil || back != n {
			t.Errorf("FormatBytes(%d) = %q reads back as %d, %v", n, text, back, err)
		}
	}
	for n, want := range map[int64]string{16 << 20: "16 MiB", 65536: "64 KiB", 1536: "1536 B", 1 << 30: "1 GiB", 0: "0 B"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 100 * time.Millisecond: "100ms", time.Minute: "60s", 10 * time.Minute: "10m",
		168 * time.Hour: "168h", 90 * time.Second: "90s", -time.Millisecond: "-1ms",
		60*time.Second + time.Millisecond: "60001ms", 1500 * time.Microsecond: "1.5ms",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Errorf("FormatDuration(%v) reads back as %v, %v", d, back, err)
		}
	}
}

// TestREADMETablesMatchTheSpec keeps README.md's two settings tables generated from
// settings.json; with STACKCAPTURE_UPDATE_GENERATED=1 it rewrites them.
func TestREADMETablesMatchTheSpec(t *testing.T) {
	spec, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "README.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	updated := readme
	for _, table := range []struct {
		begin, end string
		list       []Setting
	}{
		{ServerTableBegin, ServerTableEnd, spec.Server},
		{OrgTableBegin, OrgTableEnd, spec.Org},
	} {
		want, err := MarkdownTable(table.list)
		if err != nil {
			t.Fatal(err)
		}
		updated, err = replaceBetween(updated, table.begin, table.end, want)
		if err != nil {
			t.Fatal(err)
		}
	}
	if updated == readme {
		return
	}
	if os.Getenv(updateEnv) != "" {
		if err := os.WriteFile(path, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("README.md's settings tables differ from pkg/settingspec/settings.json: regenerate them with\n  %s=1 go test -run TestREADMETablesMatchTheSpec ./pkg/settingspec/", updateEnv)
}

func replaceBetween(doc, begin, end, body string) (string, error) {
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return "", &markerError{begin, end}
	}
	return doc[:i+len(begin)] + "\n" + body + doc[j:], nil
}

type markerError struct{ begin, end string }

func (e *markerError) Error() string {
	return "README.md needs the markers " + e.begin + " and " + e.end + " around the table"
}
