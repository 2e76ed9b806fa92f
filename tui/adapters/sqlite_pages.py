"""Reading the rows of a damaged SQLite file page by page, as ``sqlite3 .recover`` does.

SQLite itself stops at the first damaged page it meets: a query over a table whose one interior page
is garbage fails, though most of its rows sit intact on leaf pages. The ``sqlite3`` command-line tool
has ``.recover`` for that, but it may not be installed, and Python's ``sqlite3`` module has neither
``.recover`` nor the ``sqlite_dbpage`` table it is built on. So this module reads the file format
itself (sqlite.org/fileformat2.html): the header, each table's b-tree from its root page (skipping a
child it cannot read), the rows of every table leaf page, overflow chains, and the keys of index
pages. Leaf pages that no readable b-tree reaches are returned too, as orphans, for the caller to
place by the shape of their rows (``.recover``'s ``lost_and_found``).

Read-only, no SQLite involved: it works on a file SQLite refuses to open. Every cell that cannot be
decoded is skipped, never guessed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HEADER = b"SQLite format 3\x00"
DEFAULT_PAGE_SIZE = 4096
TABLE_LEAF, TABLE_INTERIOR, INDEX_LEAF, INDEX_INTERIOR = 13, 5, 10, 2
Value = None | int | float | str | bytes


class Unreadable(Exception):
    """A page, cell or record that cannot be decoded."""


@dataclass
class Tree:
    """What could be read of one b-tree (a table or an index)."""

    rows: dict[int, list[Value]] = field(default_factory=dict)
    """Table rows by rowid (a rowid alias column holds None, as SQLite stores it)."""
    keys: list[list[Value]] = field(default_factory=list)
    """Index keys (each ends with the row's rowid, or holds the primary key of a WITHOUT ROWID table)."""
    bad_pages: int = 0
    bad_cells: int = 0


@dataclass
class SchemaEntry:
    type: str
    name: str
    table: str
    root: int
    sql: str | None


class PageFile:
    """A SQLite database file opened for reading page by page, with the committed pages of its
    ``-wal`` (if any) laid over it, as SQLite would read them."""

    def __init__(self, path: Path) -> None:
        path = Path(path)
        self.data = path.read_bytes()
        self.page_size, self.usable = self._sizes()
        self.page_count = len(self.data) // self.page_size
        self.newer: dict[int, bytes] = {}
        """Pages as the write-ahead log has them (its last commit wins)."""
        self._lay_wal_over(path.with_name(path.name + "-wal"))
        self.reached: set[int] = set()
        """Every page a b-tree walk or an overflow chain has read (orphans are the leaf pages not here)."""

    @classmethod
    def from_image(cls, data: bytes) -> PageFile:
        """Pages held in memory (a locked journal's record, decrypted by ``cipher_pages``): no ``-wal``."""
        pages = cls.__new__(cls)
        pages.data = data
        pages.page_size, pages.usable = pages._sizes()
        pages.page_count = len(data) // pages.page_size
        pages.newer = {}
        pages.reached = set()
        return pages

    def _lay_wal_over(self, wal: Path) -> None:
        """The frames of ``wal`` up to its last commit (sqlite.org/fileformat2.html, section 4): a
        frame of an older log generation has other salts and is skipped."""
        try:
            log = wal.read_bytes()
        except OSError:
            return
        if len(log) < 32 or struct.unpack(">I", log[:4])[0] not in (0x377F0682, 0x377F0683):
            return
        size = struct.unpack(">I", log[8:12])[0]
        if size != self.page_size:
            return
        salts = log[16:24]
        pending: dict[int, bytes] = {}
        at = 32
        while at + 24 + size <= len(log):
            number, commit = struct.unpack(">II", log[at:at + 8])
            if log[at + 8:at + 16] != salts:
                break
            pending[number] = log[at + 24:at + 24 + size]
            if commit:  # a transaction's last frame: everything up to here is committed
                self.newer.update(pending)
                pending = {}
                self.page_count = max(self.page_count, commit)
            at += 24 + size

    def _sizes(self) -> tuple[int, int]:
        head = self.data[:100]
        if len(head) < 100 or not head.startswith(HEADER):
            return DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZE
        raw = struct.unpack(">H", head[16:18])[0]
        size = 65536 if raw == 1 else raw
        if size < 512 or size > 65536 or size & (size - 1):
            size = DEFAULT_PAGE_SIZE
        reserved = head[20]
        return size, size - reserved if size - reserved >= 480 else size

    # -- pages and cells ------------------------------------------------------------------------------

    def page(self, number: int) -> bytes:
        if not 1 <= number <= self.page_count:
            raise Unreadable(f"page {number} is out of the file")
        if number in self.newer:
            return self.newer[number]
        start = (number - 1) * self.page_size
        page = self.data[start:start + self.page_size]
        if len(page) < self.page_size:
            raise Unreadable(f"page {number} is cut short")
        return page

    def _header_at(self, number: int) -> int:
        return 100 if number == 1 else 0

    def page_type(self, number: int) -> int:
        return self.page(number)[self._header_at(number)]

    def _cell_offsets(self, number: int) -> tuple[int, list[int], int | None]:
        page = self.page(number)
        at = self._header_at(number)
        kind = page[at]
        if kind not in (TABLE_LEAF, TABLE_INTERIOR, INDEX_LEAF, INDEX_INTERIOR):
            raise Unreadable(f"page {number} is not a b-tree page (type {kind})")
        cells = struct.unpack(">H", page[at + 3:at + 5])[0]
        interior = kind in (TABLE_INTERIOR, INDEX_INTERIOR)
        right = struct.unpack(">I", page[at + 8:at + 12])[0] if interior else None
        pointers = at + (12 if interior else 8)
        if pointers + 2 * cells > self.usable:
            raise Unreadable(f"page {number} claims {cells} cells")
        offsets = [struct.unpack(">H", page[pointers + 2 * i:pointers + 2 * i + 2])[0] for i in range(cells)]
        return kind, offsets, right

    def _payload(self, page: bytes, at: int, size: int, table_leaf: bool) -> bytes:
        """``size`` bytes of payload starting at ``at`` in ``page``, following the overflow chain."""
        usable = self.usable
        most = usable - 35 if table_leaf else ((usable - 12) * 64 // 255) - 23
        if size <= most:
            if at + size > usable:
                raise Unreadable("a cell runs past its page")
            return page[at:at + size]
        least = ((usable - 12) * 32 // 255) - 23
        local = least + (size - least) % (usable - 4)
        if local > most:
            local = least
        if at + local + 4 > usable:
            raise Unreadable("a cell runs past its page")
        parts = [page[at:at + local]]
        got = local
        following = struct.unpack(">I", page[at + local:at + local + 4])[0]
        seen: set[int] = set()
        while got < size:
            if following in seen or following == 0:
                raise Unreadable("an overflow chain is broken")
            seen.add(following)
            overflow = self.page(following)
            self.reached.add(following)
            part = overflow[4:4 + min(usable - 4, size - got)]
            parts.append(part)
            got += len(part)
            following = struct.unpack(">I", overflow[:4])[0]
        return b"".join(parts)

    # -- walking b-trees ------------------------------------------------------------------------------

    def read_tree(self, root: int) -> Tree:
        """Every row (table) or key (index) reachable from ``root``; unreadable parts are counted."""
        tree = Tree()
        pending, seen = [root], set()
        while pending:
            number = pending.pop()
            if number in seen:
                tree.bad_pages += 1  # a loop: a damaged child pointer
                continue
            seen.add(number)
            try:
                kind, offsets, right = self._cell_offsets(number)
            except Unreadable:
                tree.bad_pages += 1
                continue
            self.reached.add(number)
            if right is not None:
                pending.append(right)
            page = self.page(number)
            for offset in offsets:
                try:
                    self._read_cell(page, offset, kind, tree, pending)
                except (Unreadable, IndexError, struct.error, UnicodeDecodeError, ValueError):
                    tree.bad_cells += 1
        return tree

    def _read_cell(self, page: bytes, offset: int, kind: int, tree: Tree, pending: list[int]) -> None:
        if offset >= self.usable:
            raise Unreadable("a cell pointer points past its page")
        if kind == TABLE_INTERIOR:
            pending.append(struct.unpack(">I", page[offset:offset + 4])[0])
            return
        at = offset + 4 if kind == INDEX_INTERIOR else offset
        if kind == INDEX_INTERIOR:
            pending.append(struct.unpack(">I", page[offset:offset + 4])[0])
        size, at = varint(page, at)
        if kind == TABLE_LEAF:
            rowid, at = varint(page, at)
            tree.rows[signed(rowid)] = decode_record(self._payload(page, at, size, True))
        else:
            tree.keys.append(decode_record(self._payload(page, at, size, False)))

    def orphan_rows(self, freelist: set[int]) -> Iterator[tuple[int, list[Value]]]:
        """(rowid, row) of table leaf pages no b-tree walk reached (and not free): call after
        ``read_tree`` of every root."""
        for number in range(1, self.page_count + 1):
            if number in self.reached or number in freelist:
                continue
            try:
                if self.page_type(number) != TABLE_LEAF:
                    continue
                kind, offsets, _ = self._cell_offsets(number)
            except Unreadable:
                continue
            page, tree = self.page(number), Tree()
            for offset in offsets:
                try:
                    self._read_cell(page, offset, kind, tree, [])
                except (Unreadable, IndexError, struct.error, UnicodeDecodeError, ValueError):
                    continue
            yield from tree.rows.items()

    def freelist(self) -> set[int]:
        """The free pages (their bytes are old; never read as rows)."""
        if len(self.data) < 100 or not self.data.startswith(HEADER):
            return set()
        trunk = struct.unpack(">I", self.data[32:36])[0]
        free: set[int] = set()
        while trunk and trunk not in free:
            try:
                page = self.page(trunk)
            except Unreadable:
                break
            free.add(trunk)
            count = struct.unpack(">I", page[4:8])[0]
            for i in range(min(count, (self.usable - 8) // 4)):
                free.add(struct.unpack(">I", page[8 + 4 * i:12 + 4 * i])[0])
            trunk = struct.unpack(">I", page[:4])[0]
        return free

    def schema(self) -> list[SchemaEntry]:
        """``sqlite_master``, as far as page 1's tree can be read."""
        entries = []
        for row in self.read_tree(1).rows.values():
            if len(row) >= 5 and isinstance(row[1], str) and isinstance(row[3], int):
                entries.append(SchemaEntry(str(row[0]), row[1], str(row[2]), row[3],
                                           row[4] if isinstance(row[4], str) else None))
        return entries


# -- the record format --------------------------------------------------------------------------------

def varint(data: bytes, at: int) -> tuple[int, int]:
    """The varint at ``at`` and the offset after it."""
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    return (value << 8) | data[at + 8], at + 9


def signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


_INT_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


def decode_record(payload: bytes) -> list[Value]:
    """The values of one record (UTF-8 text: mindpane's files are UTF-8)."""
    header_size, at = varint(payload, 0)
    if header_size > len(payload) or header_size < 1:
        raise Unreadable("a record header runs past its payload")
    types = []
    while at < header_size:
        serial, at = varint(payload, at)
        types.append(serial)
    body = header_size
    values: list[Value] = []
    for serial in types:
        if serial == 0:
            values.append(None)
        elif serial in _INT_SIZES:
            size = _INT_SIZES[serial]
            values.append(int.from_bytes(_take(payload, body, size), "big", signed=True))
            body += size
        elif serial == 7:
            values.append(struct.unpack(">d", _take(payload, body, 8))[0])
            body += 8
        elif serial in (8, 9):
            values.append(serial - 8)
        elif serial >= 12:
            size = (serial - 12) // 2
            raw = _take(payload, body, size)
            values.append(raw if serial % 2 == 0 else raw.decode("utf-8"))
            body += size
        else:
            raise Unreadable(f"serial type {serial} is reserved")
    return values


def _take(payload: bytes, at: int, size: int) -> bytes:
    if at + size > len(payload):
        raise Unreadable("a value runs past its record")
    return payload[at:at + size]
