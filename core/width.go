package core

import (
	"sort"
	"unicode"
	"unicode/utf8"
)

// Display width: how many columns of a terminal text takes. Every table
// (render.Table), and watch's screen, measures and cuts text with these,
// never by counting runes: a CJK process name takes two columns a rune.

// RuneWidth is the columns r takes: 0 for a combining mark (and the
// zero-width space, Hangul's medial and final jamo), 2 for an East Asian
// Wide or Fullwidth rune (CJK, kana, Hangul syllables, fullwidth forms,
// emoji), 1 for the rest. Controls never reach a terminal raw
// (Escape): they count 1, as the escape that replaces them starts.
func RuneWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1 // ASCII and Latin-1 before the first combining mark
	case unicode.In(r, unicode.Mn, unicode.Me) || r == 0x200B || r >= 0x1160 && r <= 0x11FF:
		return 0
	}
	i := sort.Search(len(wideRunes), func(i int) bool { return wideRunes[i][1] >= r })
	if i < len(wideRunes) && wideRunes[i][0] <= r {
		return 2
	}
	return 1
}

// Width is the columns s takes (RuneWidth, rune by rune; an invalid
// byte, shown escaped, counts 1).
func Width(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += RuneWidth(r)
		i += size
	}
	return n
}

// WidthBytes is Width of b.
func WidthBytes(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		n += RuneWidth(r)
		i += size
	}
	return n
}

// wideRunes are the ranges of East Asian Wide (W) and Fullwidth (F)
// runes (Unicode's EastAsianWidth property), sorted, inclusive. Checked
// against Unicode 14's EastAsianWidth.txt (Python 3.11's unicodedata) for
// every assigned code point outside the marks RuneWidth counts 0: they
// agree (the ranges also cover unassigned code points inside wide blocks).
var wideRunes = [...][2]rune{
	{0x1100, 0x115F}, // Hangul Jamo initials
	{0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC}, {0x23F0, 0x23F0}, {0x23F3, 0x23F3},
	{0x25FD, 0x25FE}, {0x2614, 0x2615}, {0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693},
	{0x26A1, 0x26A1}, {0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
	{0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5}, {0x26FA, 0x26FA},
	{0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B}, {0x2728, 0x2728}, {0x274C, 0x274C},
	{0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0},
	{0x27BF, 0x27BF}, {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
	{0x2E80, 0x303E},                       // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
	{0x3041, 0x3247},                       // kana, bopomofo, Hangul compatibility jamo, kanbun, CJK strokes, enclosed
	{0x3250, 0x33FF},                       // enclosed (after 3248-324F, ambiguous), compatibility
	{0x3400, 0x4DBF},                       // CJK extension A
	{0x4E00, 0x9FFF},                       // CJK unified ideographs
	{0xA000, 0xA4CF},                       // Yi
	{0xA960, 0xA97F},                       // Hangul Jamo extended A
	{0xAC00, 0xD7A3},                       // Hangul syllables
	{0xF900, 0xFAFF},                       // CJK compatibility ideographs
	{0xFE10, 0xFE19},                       // vertical forms
	{0xFE30, 0xFE6F},                       // CJK compatibility forms, small form variants
	{0xFF00, 0xFF60},                       // fullwidth forms
	{0xFFE0, 0xFFE6},                       // fullwidth signs
	{0x16FE0, 0x16FE4}, {0x16FF0, 0x16FF1}, // ideographic symbols
	{0x17000, 0x18D08},                                         // Tangut, Khitan, Tangut supplement
	{0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE}, // kana extended B
	{0x1B000, 0x1B2FF}, // kana supplement and extensions, Nushu
	{0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
	{0x1F200, 0x1F2FF}, // enclosed ideographic supplement
	{0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393},
	{0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4},
	{0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
	{0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
	{0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC},
	{0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7}, {0x1F6DC, 0x1F6DF}, {0x1F6EB, 0x1F6EC},
	{0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A},
	{0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF},
	{0x20000, 0x2FFFD}, // CJK extensions B-F, compatibility supplement
	{0x30000, 0x3FFFD}, // CJK extensions G, H
}
