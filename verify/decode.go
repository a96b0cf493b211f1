package verify

import (
	"fmt"
	"os"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/strictyaml"
	"streambench/internal/yamlast"
)

// maxFileSize bounds what the loaders read: claims and prices files are a few
// screenfuls, so anything much larger is the wrong file.
const maxFileSize = 1 << 20

// How messages name the two files.
var (
	claimsKind = strictyaml.Kind{Name: "claims file", MaxSize: maxFileSize}
	pricesKind = strictyaml.Kind{Name: "prices file", MaxSize: maxFileSize}
)

// decoder reads one claims or prices file with the strict decoder (the scenario
// loader's, so that the CLI prints the problems of every file alike), node by node:
// the rules of these files are more than their types.
type decoder struct {
	*strictyaml.Decoder
	// pricesGiven says whether the claims file names a prices file, which its cost
	// metrics need.
	pricesGiven bool
}

// read reads the file and returns its one document's body, a mapping; nil (reported)
// when there is none.
func (d *decoder) read(k strictyaml.Kind) ast.Node {
	data, err := os.ReadFile(d.File)
	if err != nil {
		d.ErrorAt(strictyaml.Pos{}, "", fmt.Sprintf("reading %s: %v", k.Name, unwrapPath(err)))
		return nil
	}
	return d.Document(data, k)
}

// unwrapPath drops the path from an *os.PathError, which the message already names.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// field is the value of key in mapping n, or n itself when there is none.
func field(n ast.Node, key string) ast.Node {
	values, _ := yamlast.Entries(n)
	for _, mv := range values {
		if k, ok := yamlast.ScalarText(mv.Key); ok && k == key {
			return mv.Value
		}
	}
	return n
}

func hasKey(n ast.Node, key string) bool {
	return field(n, key) != n
}
