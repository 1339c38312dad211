package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/bench/load"
)

// TestWriteDocKeepsOtherSectionsAndNotes rewrites the section twice: the sections around it
// and the hand-written notes inside it must survive, and the old table must not.
func TestWriteDocKeepsOtherSectionsAndNotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	before := "# Benchmarks\n\n## Entity resolution\n\ntext\n"
	after := "## Later section\n\nmore\n"
	rep := report{rows: []row{{gateway: "ShopGraph", dedup: true, res: load.Result{Requests: 10, RPS: 1234}}}}
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rep.writeDoc(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	notes := notesOpen + "\nThe executor is where the time goes.\n" + notesClose
	doc := strings.Replace(string(b), notesOpen+"\n"+notesClose, notes, 1) + "\n" + after
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	rep.rows[0].res.RPS = 5678
	rep.started = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	if err := rep.writeDoc(path); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	got := string(b)
	for _, want := range []string{before, after, notes, "5,678"} {
		if !strings.Contains(got, want) {
			t.Errorf("doc lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "1,234") || strings.Count(got, section) != 1 {
		t.Errorf("old section left behind:\n%s", got)
	}
}
