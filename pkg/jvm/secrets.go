package jvm

import (
	"strings"
	"unicode"
)

// secretMask replaces a secret value in a stored command line.
const secretMask = "***"

// secretWords are words of an option name that say its value is a secret. Matched against whole
// words of the name (split at '.', '_', '-' and camelCase), so "monkey" or "tokenizer" is not a
// secret and "keyStorePassword" is.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true,
	"secret": true, "secrets": true, "token": true, "tokens": true,
	"key": true, "apikey": true, "credential": true, "credentials": true, "creds": true,
	"auth": true, "authorization": true, "bearer": true, "cookie": true, "session": true,
	"privatekey": true, "accesskey": true, "secretkey": true, "clientsecret": true,
}

// notSecretLastWords end option names whose value names or describes a secret without being
// one: "keyStore=/etc/app.jks", "jmxremote.password.file=/etc/jmx.pw", "token.url=https://…".
var notSecretLastWords = map[string]bool{
	"store": true, "file": true, "path": true, "location": true, "dir": true, "url": true,
	"uri": true, "endpoint": true, "type": true, "alias": true, "name": true, "id": true,
	"size": true, "length": true, "algorithm": true, "alg": true, "provider": true,
	"ttl": true, "expiry": true, "timeout": true, "header": true, "enabled": true, "mode": true,
}

// MaskSecrets masks values in a JVM command line (arguments separated by spaces, as the probe
// prints /proc/<pid>/cmdline) that look like secrets, before the line is stored or shown:
//
//   - -D<name>=<value> and --<name>=<value> whose name has a secret word: -Ddb.password=***
//   - --<name> <value> with such a name and the value as the next argument: --password ***
//   - a password in a URL's user info anywhere in an argument: jdbc:postgresql://app:***@db/x
//   - <name>=<value> pairs inside an argument (JDBC URL properties, agent options): ;password=***
//
// An argument is masked to its end: the probe's spaces stand for the NULs between arguments,
// so a value with a space in it shows its first word masked and the rest as it was.
func MaskSecrets(cmdline string) string {
	args := strings.Split(cmdline, " ")
	maskNext := false
	for i, arg := range args {
		if maskNext && arg != "" && !strings.HasPrefix(arg, "-") {
			args[i] = secretMask
			maskNext = false
			continue
		}
		maskNext = false
		switch {
		case strings.HasPrefix(arg, "-D") || strings.HasPrefix(arg, "--"):
			name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
			if strings.HasPrefix(arg, "-D") {
				name, value, hasValue = strings.Cut(arg[len("-D"):], "=")
			}
			switch {
			case !hasValue:
				maskNext = strings.HasPrefix(arg, "--") && isSecretName(name)
			case isSecretName(name) && value != "":
				args[i] = arg[:len(arg)-len(value)] + secretMask
			default:
				args[i] = arg[:len(arg)-len(value)] + maskInValue(value)
			}
		default:
			args[i] = maskInValue(arg)
		}
	}
	return strings.Join(args, " ")
}

// maskInValue masks URL passwords and secret name=value pairs inside one argument.
func maskInValue(s string) string {
	s = maskURLPasswords(s)
	if !strings.Contains(s, "=") {
		return s
	}
	// Pairs are separated by ';', '&', '?', ',' or ':' in JDBC URLs, query strings and agent options.
	var b strings.Builder
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && !strings.ContainsRune(";&?,:", rune(s[i])) {
			continue
		}
		b.WriteString(maskPair(s[start:i]))
		if i < len(s) {
			b.WriteByte(s[i])
		}
		start = i + 1
	}
	return b.String()
}

// maskPair masks the value of name=value; in "agent.jar=apikey=k1" the name is "apikey".
func maskPair(pair string) string {
	eq := strings.LastIndexByte(pair, '=')
	if eq < 0 || eq == len(pair)-1 {
		return pair
	}
	name := pair[strings.LastIndexByte(pair[:eq], '=')+1 : eq]
	if !isSecretName(name) {
		return pair
	}
	return pair[:eq+1] + secretMask
}

// maskURLPasswords masks the password of every scheme://user:password@host in s.
func maskURLPasswords(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		authStart := i + len("://")
		b.WriteString(s[:authStart])
		rest := s[authStart:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		authority := rest[:end]
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			if colon := strings.IndexByte(authority[:at], ':'); colon >= 0 && colon+1 < at {
				authority = authority[:colon+1] + secretMask + authority[at:]
			}
		}
		b.WriteString(authority)
		s = rest[end:]
	}
}

// isSecretName says whether an option name has a secret word and does not end in a word that
// makes it about the secret (a file, a store, a URL) rather than the secret itself.
func isSecretName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 || notSecretLastWords[words[len(words)-1]] {
		return false
	}
	for i, w := range words {
		if secretWords[w] {
			return true
		}
		// "api" "key", "access" "key", "client" "secret" are covered by key/secret; a name
		// written as one lower-case word ("apikey", "dbpassword") is matched by its ending.
		if i == len(words)-1 {
			for _, suffix := range []string{"password", "passwd", "secret", "token", "apikey", "credentials"} {
				if strings.HasSuffix(w, suffix) {
					return true
				}
			}
		}
	}
	return false
}

// nameWords splits an option name into lower-case words at '.', '_', '-' and camelCase.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	runes := []rune(name)
	for i, r := range runes {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(runes[i-1]) ||
			i+1 < len(runes) && unicode.IsLower(runes[i+1]) && unicode.IsUpper(runes[i-1])):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}
