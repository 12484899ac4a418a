package pwcheck

import (
	"strings"
	"sync"
	"unicode"
)

// famousPasswords are passwords and passphrases that are famous as
// examples: comics, films, songs, textbooks and password advice quote them,
// so they are in every attacker's first guesses, yet zxcvbn scores a
// phrase of four dictionary words as strong and the 30,000-entry common
// list (single words) does not have them. HIBP knows them; this list is
// what the offline fallback knows when HIBP cannot be asked. Entries are
// written naturally and compared after normaliseFamous.
var famousPasswords = []string{
	// xkcd 936 ("Password Strength") made both of these famous.
	"correct horse battery staple",
	"Tr0ub4dor&3",
	"troubador",
	"the quick brown fox jumps over the lazy dog",
	"the quick brown fox jumped over the lazy dog",
	"lorem ipsum dolor sit amet",
	"to be or not to be",
	"to be or not to be that is the question",
	"may the force be with you",
	"all your base are belong to us",
	"never gonna give you up",
	"never gonna let you down",
	"one ring to rule them all",
	"you shall not pass",
	"winter is coming",
	"open sesame",
	"let me in",
	"mary had a little lamb",
	"hello world",
	"i love you",
	"i am the walrus",
	"the cake is a lie",
	"this is my password",
	"my voice is my passport",
	"my voice is my passport verify me",
	"hunter2",
	"swordfish",
	"the password is password",
	"password is incorrect",
	"it was the best of times it was the worst of times",
	"four score and seven years ago",
	"we are the champions",
	"just do it",
	"carpe diem",
	"live laugh love",
	"keep calm and carry on",
	"in god we trust",
	"god save the queen",
	"e pluribus unum",
	"veni vidi vici",
	"houston we have a problem",
	"elementary my dear watson",
	"there is no place like home",
	"theres no place like home",
	"there is no spoon",
	"i am your father",
	"luke i am your father",
	"beam me up scotty",
	"live long and prosper",
	"do or do not there is no try",
	"with great power comes great responsibility",
	"the answer is 42",
	"don't panic",
}

// famousSet is famousPasswords normalised, as a set.
var famousSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, len(famousPasswords))
	for _, p := range famousPasswords {
		set[normaliseFamous(p, 'i')] = struct{}{}
	}
	return set
})

// isFamous reports whether password is a famous example password, written
// in any case, with any spacing or separators, with digits or symbols for
// look-alike letters ("C0rrect H0rse"), and with or without digits and
// symbols added at the end ("Correct-Horse-Battery-Staple1!").
func isFamous(password string) bool {
	for _, one := range []rune{'i', 'l'} { // "1" reads as either
		// A digit or symbol at the end is appended, or a letter written
		// alike ("St4pl3"): try both readings.
		for _, n := range []string{normaliseFamous(password, one), normaliseFamous(foldLeet(password, one), one)} {
			if _, ok := famousSet()[n]; ok && n != "" {
				return true
			}
		}
	}
	return false
}

// leet maps the digits and symbols people write for letters; "1" is
// handled by normaliseFamous.
var leet = map[rune]rune{'0': 'o', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', '$': 's'}

// normaliseFamous drops what is appended at the end (digits and symbols,
// as people add to satisfy composition rules), lower-cases the rest, reads
// look-alike digits and symbols as their letters ("1" as one), and keeps
// only letters and digits, so that case, spaces, hyphens and the like do
// not hide a phrase. "Tr0ub4dor&3" becomes "troubador".
func normaliseFamous(s string, one rune) string {
	s = strings.TrimRightFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	return lettersAndDigits(foldLeet(strings.ToLower(s), one))
}

// foldLeet reads look-alike digits and symbols in s as letters, "1" as one.
func foldLeet(s string, one rune) string {
	return strings.Map(func(r rune) rune {
		if r == '1' {
			return one
		}
		if l, ok := leet[r]; ok {
			return l
		}
		return r
	}, s)
}
