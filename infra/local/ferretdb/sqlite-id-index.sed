# FerretDB 1.24.2, internal/backends/sqlite/metadata/metadata.go: look documents up by `_id` with the
# same expression as the collection's unique `_id` index (`_ferretdb_sjson->"_id"`). Upstream's
# `->'$._id'` returns the same value but is a different expression, so SQLite cannot use the index and
# scans the whole table for every lookup, update and delete by `_id`. `->'_id'` is the index's
# expression (SQLite reads the label `_id` as the path `$._id`), so each becomes an index search.
s|IDColumn = DefaultColumn + "->'\$\._id'"|IDColumn = DefaultColumn + "->'_id'"|
