package fditer

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// useCache points LayoutCache into a directory of the test's own.
func useCache(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the kept layout is trusted only as root's")
	}
	dir := filepath.Join(t.TempDir(), "run")
	old := LayoutCache
	LayoutCache = filepath.Join(dir, "fditer-layout")
	t.Cleanup(func() { LayoutCache = old })
	return dir
}

// TestLayoutCacheDecode: a kept layout is used only for the key it was
// written for, whole, and passing the checks a layout from BTF passes.
func TestLayoutCacheDecode(t *testing.T) {
	k := cacheKey{btfSize: 5481434}
	copy(k.boot[:], "0b6a2c8e-3f0e-4d55-9b7e-2b1f63a0c0de")
	b := kernelLikeLayout.encode(k)
	if len(b) != cacheBytes || cacheBytes != 164 {
		t.Fatalf("%d bytes, cacheBytes %d, want 164", len(b), cacheBytes)
	}
	if l, ok := decodeLayout(b, k); !ok || l != kernelLikeLayout {
		t.Fatalf("decoded %+v %v, want %+v", l, ok, kernelLikeLayout)
	}
	other := k
	other.boot[0] = '1'
	bigger := k
	bigger.btfSize++
	if _, ok := decodeLayout(b, other); ok {
		t.Error("a layout kept in another boot was used")
	}
	if _, ok := decodeLayout(b, bigger); ok {
		t.Error("a layout kept for another BTF was used")
	}
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
	}{
		{"short", func(b []byte) []byte { return b[:len(b)-1] }},
		{"long", func(b []byte) []byte { return append(b, 0) }},
		{"another format", func(b []byte) []byte { b[7]++; return b }},
		{"other members", func(b []byte) []byte { b[8]++; return b }},
		{"no attach id", func(b []byte) []byte { copy(b[56:60], []byte{0, 0, 0, 0}); return b }},
		{"a size the program does not load", func(b []byte) []byte { b[60+4]++; return b }},
		{"past a load's offset", func(b []byte) []byte { b[len(b)-8+2] = 1; return b }},
	} {
		if l, ok := decodeLayout(tc.edit(append([]byte(nil), b...)), k); ok {
			t.Errorf("%s: used %+v", tc.name, l)
		}
	}
}

// TestLayoutCacheTrust: the file is read only if root's, writable by no
// one else, in a directory that is the same, and not through a link;
// keepLayout writes only into such a directory.
func TestLayoutCacheTrust(t *testing.T) {
	dir := useCache(t)
	k, ok := currentKey()
	if !ok {
		t.Skip("no boot id or kernel BTF")
	}
	keepLayout(kernelLikeLayout, k)
	if l, ok := cachedLayout(k); !ok || l != kernelLikeLayout {
		t.Fatalf("kept and read back: %+v %v", l, ok)
	}
	if fi, err := os.Stat(LayoutCache); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the file: %v %v, want mode 0644", fi, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the directory holds %d entries, want the file alone", len(ents))
	}
	for _, tc := range []struct {
		name       string
		spoil, fix func() error
	}{
		{"file writable by others", func() error { return os.Chmod(LayoutCache, 0o666) }, func() error { return os.Chmod(LayoutCache, 0o644) }},
		{"file not root's", func() error { return os.Chown(LayoutCache, 65534, 0) }, func() error { return os.Chown(LayoutCache, 0, 0) }},
		{"directory writable by its group", func() error { return os.Chmod(dir, 0o775) }, func() error { return os.Chmod(dir, 0o755) }},
		{"directory not root's", func() error { return os.Chown(dir, 65534, 0) }, func() error { return os.Chown(dir, 0, 0) }},
	} {
		if err := tc.spoil(); err != nil {
			t.Fatal(err)
		}
		if l, ok := cachedLayout(k); ok {
			t.Errorf("%s: used %+v", tc.name, l)
		}
		if tc.name == "directory not root's" {
			os.Remove(LayoutCache)
			keepLayout(kernelLikeLayout, k)
			if _, err := os.Lstat(LayoutCache); err == nil {
				t.Errorf("%s: written", tc.name)
			}
		}
		if err := tc.fix(); err != nil {
			t.Fatal(err)
		}
	}

	// A link to a good file, and a directory that is a link to a good
	// directory, are not followed.
	keepLayout(kernelLikeLayout, k)
	real := LayoutCache
	LayoutCache = filepath.Join(dir, "link")
	if err := os.Symlink(real, LayoutCache); err != nil {
		t.Fatal(err)
	}
	if _, ok := cachedLayout(k); ok {
		t.Error("read through a symbolic link")
	}
	linked := dir + "-link"
	if err := os.Symlink(dir, linked); err != nil {
		t.Fatal(err)
	}
	LayoutCache = filepath.Join(linked, filepath.Base(real))
	if _, ok := cachedLayout(k); ok {
		t.Error("read in a directory reached through a symbolic link")
	}
	LayoutCache = real

	// Not a regular file: a FIFO is not waited on.
	os.Remove(LayoutCache)
	if err := unix.Mkfifo(LayoutCache, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := cachedLayout(k); ok {
		t.Error("read a FIFO")
	}
	forgetLayout()
	if _, err := os.Lstat(LayoutCache); !os.IsNotExist(err) {
		t.Errorf("forgetLayout left %v", err)
	}
}

// TestLayoutCacheLoads: the first load of a boot finds the layout in
// BTF and keeps it; the next takes the kept one; a kept layout the
// kernel refuses is dropped, found again in BTF and kept anew.
func TestLayoutCacheLoads(t *testing.T) {
	if ok, why := iterExpected(); !ok {
		t.Skip(why)
	}
	useCache(t)
	k, ok := currentKey()
	if !ok {
		t.Fatal("no boot id or BTF size where the iterator loads")
	}
	defer func(from string) { loaded.from = from }(loaded.from)
	closeIter := func(it Iter) {
		unix.Close(it.link)
		unix.Close(it.mapFD)
	}
	openFrom := func(want string) {
		t.Helper()
		loaded.from = ""
		it, err := open()
		if err != nil {
			t.Fatal(err)
		}
		closeIter(it)
		if loaded.from != want {
			t.Errorf("layout from %q, want %q", loaded.from, want)
		}
	}
	openFrom(btfPath)
	live, ok := cachedLayout(k)
	if !ok {
		t.Fatal("the layout the kernel accepted was not kept")
	}
	openFrom(LayoutCache)

	// The same file with the attach id of a type that is not the
	// iterator's function: the kernel refuses the program.
	wrong := live
	wrong.attachID = 1
	if err := os.Remove(LayoutCache); err != nil {
		t.Fatal(err)
	}
	keepLayout(wrong, k)
	if l, ok := cachedLayout(k); !ok || l != wrong {
		t.Fatal("the wrong layout was not written")
	}
	openFrom(btfPath)
	if l, ok := cachedLayout(k); !ok || l != live {
		t.Errorf("after a refusal the file holds %+v, want %+v", l, live)
	}
}
