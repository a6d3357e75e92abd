"""Where Carry writes: results folders and record files, never over what it did not write.

`marker` says which folders are Carry's results folders; `guard` refuses output paths
that would destroy anything else; `swap` writes a folder or file beside its target and
swaps it into place atomically, cleaning up what killed writes left behind.
"""
