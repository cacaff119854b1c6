package settingspec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteUnits are the binary units a size may be written in, largest first. Decimal units
// (KB, MB) are refused rather than guessed: "16 MB" could mean either.
type byteUnit struct {
	name string
	size int64
}

func byteUnits() []byteUnit {
	return []byteUnit{{"EiB", 1 << 60}, {"PiB", 1 << 50}, {"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}
}

// FormatBytes writes n in the largest binary unit that holds it exactly ("16 MiB",
// "64 KiB"), else as plain bytes ("1500 B").
func FormatBytes(n int64) string {
	for _, u := range byteUnits() {
		if n != 0 && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// ParseBytes reads a size: plain bytes ("1048576"), or a number and a binary unit ("16 MiB",
// "512KiB", "1.5 GiB", "100 B"), the unit case-insensitive. The result must be whole bytes.
func ParseBytes(text string) (int64, error) {
	s := strings.TrimSpace(text)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], strings.TrimSpace(s[i:])
	if num == "" {
		return 0, fmt.Errorf("%q is not a size: use bytes or a number with KiB, MiB, GiB or TiB, e.g. 16 MiB", text)
	}
	mult := int64(1)
	switch u := strings.ToLower(unit); u {
	case "", "b", "byte", "bytes":
	default:
		found := false
		for _, bu := range byteUnits() {
			if u == strings.ToLower(bu.name) {
				mult, found = bu.size, true
			}
		}
		if !found {
			return 0, fmt.Errorf("%q: unknown unit %q: use B, KiB, MiB, GiB, TiB, PiB or EiB", text, unit)
		}
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/mult {
			return 0, fmt.Errorf("%q is too large", text)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", text)
	}
	v := f * float64(mult)
	if v != math.Trunc(v) || v >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a whole number of bytes", text)
	}
	return int64(v), nil
}
