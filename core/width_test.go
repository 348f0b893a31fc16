package core

import "testing"

func TestWidth(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0}, {"java", 4}, {"café", 4}, {"ünïcödé", 7},
		{"日本語", 6}, {"プロセス", 8}, {"한국어", 6}, {"ｆｕｌｌ", 8}, {"ﾊﾝｶｸ", 4}, // halfwidth kana: narrow
		{"e\u0301", 1}, {"\u304b\u3099", 2}, // combining marks take no column
		{"\u3000", 2}, {"\U0001F600", 2}, {"\U00020000", 2}, {"\u2603", 1}, // ideographic space, emoji, ext. B; a snowman is narrow
		{"a\xffb", 3}, {"…", 1}, {"\u303F", 1},
	} {
		if got := Width(tc.s); got != tc.want {
			t.Errorf("Width(%q) = %d, want %d", tc.s, got, tc.want)
		}
		if got := WidthBytes([]byte(tc.s)); got != tc.want {
			t.Errorf("WidthBytes(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
	for i := 1; i < len(wideRunes); i++ {
		if wideRunes[i][0] <= wideRunes[i-1][1] || wideRunes[i][0] > wideRunes[i][1] {
			t.Errorf("wideRunes %d: %x after %x: not sorted", i, wideRunes[i], wideRunes[i-1])
		}
	}
}
