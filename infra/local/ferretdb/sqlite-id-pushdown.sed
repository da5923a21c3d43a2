# FerretDB 1.24.2, internal/backends/sqlite/collection.go (Query and Explain): look a document up by its
# `_id` index whenever the filter names a plain `_id` (a string or ObjectId), not only when `_id` is the
# filter's one field. Upstream pushes `{ _id }` down but decodes the whole collection in Go for
# `{ _id, tenantId, version }`. The handlers filter every document the backend returns by the whole
# filter again (common.FilterIterator / FilterDocument), so narrowing the SQL to the `_id` changes only
# how many documents are decoded: a conditional update by `_id` costs one index search, not a scan.
s|^\tif params\.Filter\.Len() == 1 {$|\tif params.Filter.Len() >= 1 { // tenantry: any filter with a plain _id (sqlite-id-pushdown.sed)|
