// The "jpeg" harness: libFuzzer calls the entry points in FuzzEntry, which pick the
// harness from this executable's name.
import FuzzEntry
