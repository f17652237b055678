//go:build linux || darwin || freebsd

package database

import "syscall"

// freeSpace is how many bytes an unprivileged process may still write on
// the file system that holds dir.
func freeSpace(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil //nolint:unconvert // the field types differ by system
}
