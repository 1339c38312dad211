package memory

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

const (
	snapshotFile = "products.gob"
	// cleanMarker sits beside the snapshot when Close wrote it: the index then held every change
	// the event consumer had acknowledged. Open removes it, so a snapshot left by a crash (or
	// written while serving) never passes for one.
	cleanMarker = "products.clean"
	// snapshotFormat is the header's version; a file of another one is ignored and rebuilt.
	snapshotFormat = 2
	// snapshotBatch is how many documents one gob value of the snapshot holds.
	snapshotBatch = 10_000
)

// snapshotHeader opens a snapshot: its document count tells a whole file from one cut short,
// even at a batch boundary where gob alone would see a clean end.
type snapshotHeader struct {
	Format    int
	Documents int
	Written   time.Time
}

// snapshotStats describes one written snapshot.
type snapshotStats struct {
	Documents int
	Bytes     int64
	Took      time.Duration
}

// writeSnapshot writes the live documents among docs (a removed product's slot holds a zero
// document) to path: into a file beside it, synced, then renamed over it, so a crash mid-write
// leaves the previous snapshot whole.
func writeSnapshot(path string, docs []search.Document, live int) (snapshotStats, error) {
	start := time.Now()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return snapshotStats{}, fmt.Errorf("write search snapshot: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := gob.NewEncoder(w)
	err = enc.Encode(snapshotHeader{Format: snapshotFormat, Documents: live, Written: start.UTC()})
	batch := make([]search.Document, 0, snapshotBatch)
	written := 0
	for i := 0; err == nil && i < len(docs); i++ {
		if docs[i].ID == "" {
			continue
		}
		batch = append(batch, docs[i])
		if len(batch) == snapshotBatch {
			err = enc.Encode(batch)
			written += len(batch)
			batch = batch[:0]
		}
	}
	if err == nil && len(batch) > 0 {
		err = enc.Encode(batch)
		written += len(batch)
	}
	if err == nil && written != live {
		err = fmt.Errorf("index holds %d products but %d documents", live, written)
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	var size int64
	if err == nil {
		var st os.FileInfo
		if st, err = f.Stat(); err == nil {
			size = st.Size()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return snapshotStats{}, fmt.Errorf("write search snapshot: %w", err)
	}
	return snapshotStats{Documents: written, Bytes: size, Took: time.Since(start)}, nil
}

// readSnapshot loads the snapshot at path into a new index. A file cut short, of another
// format or otherwise unreadable is an error; a missing one is os.ErrNotExist.
func readSnapshot(path string) (*index, snapshotHeader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, snapshotHeader{}, err
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var h snapshotHeader
	if err := dec.Decode(&h); err != nil {
		return nil, h, fmt.Errorf("read search snapshot %s: header: %w", path, err)
	}
	if h.Format != snapshotFormat {
		return nil, h, fmt.Errorf("read search snapshot %s: format %d, want %d", path, h.Format, snapshotFormat)
	}
	ix := newIndex()
	read := 0
	for {
		var batch []search.Document
		if err := dec.Decode(&batch); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, h, fmt.Errorf("read search snapshot %s after %d documents: %w", path, read, err)
		}
		for _, d := range batch {
			ix.upsert(d)
		}
		read += len(batch)
	}
	if read != h.Documents {
		return nil, h, fmt.Errorf("read search snapshot %s: %d documents of %d: cut short", path, read, h.Documents)
	}
	return ix, h, nil
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// markClean records that the snapshot beside it was written by Close.
func markClean(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, cleanMarker), nil, 0o644); err != nil {
		return fmt.Errorf("mark search snapshot clean: %w", err)
	}
	return syncDir(dir)
}
