"""Promises about the whole app: nothing leaves the machine, nothing typed is lost, parallel asks,
a full disk, crashes, permissions and owners, packaging, a light start, code health, the Textual
hooks we rely on."""
