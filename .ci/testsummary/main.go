// Command testsummary reads `go test -json` on standard input and prints
// what the plain command would (each package's result line, and the whole
// output of every failed test), then the ten slowest tests. It exits 1 if
// any test or package failed. CI uses it; it is not part of the product.
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type result struct {
	name    string
	elapsed time.Duration
}

func main() {
	failed := false
	outputs := map[string]*strings.Builder{} // by package and test, until it passes
	var tests []result
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not JSON: a build error printed by go test itself.
			fmt.Println(sc.Text())
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			b.WriteString(e.Output)
		case "pass", "skip":
			if e.Test == "" {
				fmt.Print(packageLine(outputs[key]))
			} else {
				// Subtests too: the runs on each database are parallel
				// subtests, and their parent's time says little.
				tests = append(tests, result{e.Package + " " + e.Test, time.Duration(e.Elapsed * float64(time.Second))})
			}
			delete(outputs, key)
		case "fail":
			failed = true
			if b := outputs[key]; b != nil {
				fmt.Print(b.String())
			}
			delete(outputs, key)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	slices.SortFunc(tests, func(a, b result) int { return cmp.Compare(b.elapsed, a.elapsed) })
	fmt.Println("\nThe ten slowest tests:")
	for _, r := range tests[:min(10, len(tests))] {
		fmt.Printf("  %8.1fs  %s\n", r.elapsed.Seconds(), r.name)
	}
	if failed {
		os.Exit(1)
	}
}

// packageLine is the last line of a package's output ("ok  pkg  12.3s").
func packageLine(b *strings.Builder) string {
	if b == nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	return lines[len(lines)-1] + "\n"
}
