package strictyaml

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Hint points from an unknown name to the nearest known one ("did you mean …?"), or
// lists them all: the loaders' one answer to a slip of the keyboard.
func Hint(name string, known []string) string {
	sorted := slices.Sorted(slices.Values(known))
	if s := Suggest(name, sorted); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return "known: " + strings.Join(sorted, ", ")
}

// Suggest returns the candidate nearest to name when it is near enough to be a slip of
// the keyboard, or "".
func Suggest(name string, candidates []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", math.MaxInt
	for _, c := range candidates {
		if norm(c) == norm(name) {
			return c
		}
		limit := 2
		if utf8.RuneCountInString(c) >= 10 {
			limit = 3
		}
		if diff := utf8.RuneCountInString(name) - utf8.RuneCountInString(c); diff > limit || -diff > limit {
			continue // the distance is at least the difference in length: skip the quadratic work
		}
		dist := editDistance(strings.ToLower(name), c)
		if dist <= limit && 2*dist < utf8.RuneCountInString(c) && dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
