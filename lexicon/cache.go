package lexicon

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// cacheMagic starts a derived table file; the version changes whenever
// parsing or weighting does, so that an old cache is never read.
const cacheMagic = "kakehashi-lexicon-v2\n"

// LoadCached is Load with a derived table cached in dir: the first load
// parses the dictionary and writes the table there, later loads read the
// table, several times faster. The cache file is named after the
// dictionary's path, size and modification time, so a new edict package
// is parsed again. With dir "" it is Load. A cache that cannot be read or
// written is ignored: the dictionary is parsed instead.
func LoadCached(path, dir string) (*Lexicon, error) {
	if dir == "" {
		return Load(path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(path + "\x00" + strconv.FormatInt(st.Size(), 10) + "\x00" + st.ModTime().UTC().String() + "\x00" + cacheMagic))
	cache := filepath.Join(dir, "edict-"+hex.EncodeToString(sum[:8])+".table")
	if f, err := os.Open(cache); err == nil {
		l, err := readTable(bufio.NewReaderSize(f, 1<<16))
		f.Close()
		if err == nil {
			return l, nil
		}
	}
	l, err := Load(path)
	if err != nil {
		return nil, err
	}
	_ = l.writeCache(dir, cache) // a cache is an optimization only
	return l, nil
}

func (l *Lexicon) writeCache(dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".edict-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<16)
	if err := l.writeTable(w); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// writeTable writes the table: magic, entry count, then each direction as
// a count of words, each word with its alternatives (text and weight).
func (l *Lexicon) writeTable(w *bufio.Writer) error {
	w.WriteString(cacheMagic)
	var buf [binary.MaxVarintLen64]byte
	uv := func(n uint64) { w.Write(buf[:binary.PutUvarint(buf[:], n)]) }
	str := func(s string) { uv(uint64(len(s))); w.WriteString(s) }
	uv(uint64(l.entries))
	for _, m := range []map[string][]Translation{l.jaEn, l.enJa} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		uv(uint64(len(keys)))
		for _, k := range keys {
			str(k)
			uv(uint64(len(m[k])))
			for _, t := range m[k] {
				str(t.Text)
				uv(math.Float64bits(t.Weight))
			}
		}
	}
	return nil
}

var errBadTable = errors.New("lexicon: bad cached table")

func readTable(r *bufio.Reader) (*Lexicon, error) {
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != cacheMagic {
		return nil, errBadTable
	}
	var err error
	uv := func() uint64 {
		if err != nil {
			return 0
		}
		var n uint64
		n, err = binary.ReadUvarint(r)
		return n
	}
	var sbuf []byte
	str := func() string {
		n := uv()
		if err != nil || n > 1<<16 {
			err = errBadTable
			return ""
		}
		sbuf = append(sbuf[:0], make([]byte, n)...)
		if _, e := io.ReadFull(r, sbuf); e != nil {
			err = e
		}
		return string(sbuf)
	}
	l := &Lexicon{entries: int(uv())}
	var maps [2]map[string][]Translation
	for d := range maps {
		n := uv()
		if n > 1<<24 {
			return nil, errBadTable
		}
		m := make(map[string][]Translation, n)
		for range n {
			k := str()
			c := uv()
			if err != nil || c == 0 || c > MaxAlternatives {
				return nil, fmt.Errorf("%w: %v", errBadTable, err)
			}
			ts := make([]Translation, c)
			for i := range ts {
				ts[i].Text = str()
				ts[i].Weight = math.Float64frombits(uv())
			}
			m[k] = ts
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errBadTable, err)
		}
		maps[d] = m
	}
	l.jaEn, l.enJa = maps[0], maps[1]
	return l, nil
}
