package limits

// MaxPAXHeaderBytes bounds the records of one PAX extended header in a
// package tarball. npm pack writes one only for a long or non-ASCII path
// (at most MaxPathLength bytes) or link target, so a few KiB is plenty;
// node-tar ignores headers over 1 MiB while Go's archive/tar refuses
// them, and a bound well below both keeps the two from disagreeing.
const MaxPAXHeaderBytes = 8 * 1024
