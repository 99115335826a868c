"""Uploaded files: a storage interface, the image pipeline and the StoredFile record (FS-5)."""
