# FerretDB 1.24.2, internal/handler/msg_{insert,update,delete,findandmodify}.go and msg_buildinfo.go:
# single-document writes isolated as on MongoDB. Upstream, an update (or findAndModify, or delete) reads
# the matching documents in one SQLite transaction and writes them back in another, with nothing between
# two such commands: four concurrent `updateOne({_id, version: 1}, {$set: {version: 2}})` all "win" and
# concurrent `$inc`s lose increments. Here every insert, update, delete and findAndModify command runs
# under one process-wide mutex (handler-isolated-writes.go.in, copied into the package; SQLite runs one write transaction at a time anyway),
# so a command's read and its write see no other write in between. buildInfo says so
# (`tenantryIsolatedWrites: true`): the persistence layer then makes conditional writes on the server,
# as on MongoDB, instead of taking per-document locks (libs/platform/persistence/src/mongo/connect.ts).
/^func (h \*Handler) Msg\(Insert\|Update\|Delete\|FindAndModify\)(connCtx context\.Context, msg \*wire\.OpMsg) (\*wire\.OpMsg, error) {$/a\
	isolatedWrites.Lock()\
	defer isolatedWrites.Unlock()
s|^\t\t\t"ferretdbVersion", version\.Get()\.Version,$|&\n\t\t\t"tenantryIsolatedWrites", true,|
