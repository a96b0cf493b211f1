package report

import "io"

// Summary writes the results of a run side by side, as CompareText does, with the
// repetitions of one target grouped.
func Summary(w io.Writer, results []*Result) error {
	if len(results) == 0 {
		return nil
	}
	return CompareText(w, Groups(results))
}
