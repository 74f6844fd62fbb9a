"""DocTable: the search index's columns by doc id, read through a dict's interface (doc id -> key)."""

from __future__ import annotations

from redvector.search.doctable import DocTable


def test_doc_table_reads_like_a_dict_in_doc_id_order() -> None:
    table = DocTable()
    for d in (5, 2, 9, 3):  # a restore's saved ids, out of order
        table.add(d, b"k%d" % d, (float(d),), (b"v",), b"blob%d" % d)
    assert len(table) == 4 and list(table) == [2, 3, 5, 9]
    assert list(table.items()) == [(2, b"k2"), (3, b"k3"), (5, b"k5"), (9, b"k9")]
    assert table.get(5) == b"k5" and 5 in table and table.keys_of([9, 4, 2, 10, -1]) == [b"k9", None, b"k2", None, None]
    assert table.get(4) is None and table.get(10) is None and table.get(-1) is None and -1 not in table
    assert table.sort_values(5) == (5.0,) and table.vector_fields(5) == (b"v",)
    assert table.sort_values(4) == () and table.vector_fields(4) == () and table.sort_values(10) == ()
    fields, values = table.vector_columns()
    assert values[9] == b"blob9" and values[4] is None and fields[9] == (b"v",)
    table.add(5, b"", (), (), None)  # (an empty key is a key)
    assert len(table) == 4 and table.get(5) == b"" and list(table) == [2, 3, 5, 9]
    assert table.pop(5) and not table.pop(5) and not table.pop(100)
    assert len(table) == 3 and list(table) == [2, 3, 9] and table.sort_values(5) == ()
    table.add(10, b"k10", (), (), None)
    assert list(table) == [2, 3, 9, 10] and len(table) == 4
    table.clear()
    assert len(table) == 0 and list(table) == [] and table.get(2) is None


def test_sort_value_column_starts_with_the_first_sort_value() -> None:
    table = DocTable()
    table.add(1, b"a", (), (), None)
    table.add(3, b"b", (), (), None)
    assert table.sort_values(1) == () and table.sort_values(3) == ()
    table.add(2, b"c", (b"x", 1.0), (), None)  # (restore order) the column starts, () for the others
    table.add(6, b"d", (None, 2.0), (), None)
    table.add(7, b"e", (), (), None)
    assert [table.sort_values(d) for d in range(9)] == [(), (), (b"x", 1.0), (), (), (), (None, 2.0), (), ()]
    assert table.pop(2) and table.sort_values(2) == ()
    table.clear()
    table.add(1, b"a", (), (), None)
    assert table.sort_values(1) == () and list(table) == [1]
