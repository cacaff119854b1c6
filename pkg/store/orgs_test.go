package store

import (
	"errors"
	"testing"
	"time"
)

func TestOrgsAreApartInListAndGet(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	old1 := mustInsert(t, s, inOrg(1, newSkipped("shop", "a", base, "r")))
	new1 := mustInsert(t, s, inOrg(1, newSkipped("shop", "a", base.Add(10*time.Hour), "r")))
	old2 := mustInsert(t, s, inOrg(2, newSkipped("shop", "a", base, "r")))
	new2 := mustInsert(t, s, inOrg(2, newSkipped("shop", "a", base.Add(10*time.Hour), "r")))

	tests := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"org 1", Filter{OrgID: 1}, []int64{new1, old1}},
		{"org 2", Filter{OrgID: 2}, []int64{new2, old2}},
		{"org 2 with org 1's filters", Filter{OrgID: 2, Namespace: "shop", Pod: "a"}, []int64{new2, old2}},
		{"org 3 sees nothing", Filter{OrgID: 3}, nil},
	}
	for _, tt := range tests {
		if got := listAll(t, s, tt.f); !equalIDs(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := s.GetInOrg(ctx, 2, old1); !errors.Is(err, ErrNotFound) {
		t.Errorf("org 2 got org 1's capture: %v", err)
	}
	if c, err := s.GetInOrg(ctx, 1, old1); err != nil || c.OrgID != 1 {
		t.Errorf("org 1's own capture: %+v %v", c, err)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
