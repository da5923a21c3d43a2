// Command tenantry-ferretdb runs FerretDB 1.x (SQLite backend) as a local
// MongoDB-compatible server for development and CI.
//
// It embeds github.com/FerretDB/FerretDB/ferretdb instead of building
// cmd/ferretdb, whose `go install` build panics at start (FerretDB#2982).
//
//	tenantry-ferretdb -listen-addr 127.0.0.1:27017 -sqlite-dir /path/to/data
//	tenantry-ferretdb -ping 127.0.0.1:27017   # exit 0 if a `hello` round trip succeeds
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteDir := flag.String("sqlite-dir", "", "directory for the SQLite databases (created if missing)")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn, error")
	ping := flag.String("ping", "", "instead of serving, send a `hello` to this address and exit 0 on success")
	timeout := flag.Duration("timeout", 3*time.Second, "timeout for -ping")
	flag.Parse()

	if *ping != "" {
		if err := hello(*ping, *timeout); err != nil {
			fmt.Fprintf(os.Stderr, "ping %s: %v\n", *ping, err)
			os.Exit(1)
		}
		return
	}

	if err := serve(*listenAddr, *sqliteDir, *logLevel); err != nil {
		fmt.Fprintf(os.Stderr, "tenantry-ferretdb: %v\n", err)
		os.Exit(1)
	}
}

func serve(listenAddr, sqliteDir, logLevel string) error {
	if sqliteDir == "" {
		return errors.New("-sqlite-dir is required")
	}

	dir, err := filepath.Abs(sqliteDir)
	if err != nil {
		return err
	}
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	var level slog.Level
	if err = level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listenAddr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/", // must end with a slash
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	logger.Info("tenantry-ferretdb ready", "uri", f.MongoDBURI(), "sqlite_dir", dir, "pid", os.Getpid())

	err = <-done
	logger.Info("tenantry-ferretdb stopped")
	return err
}

// hello sends `{hello: 1, $db: "admin"}` as an OP_MSG and checks that the reply has ok: 1.
func hello(addr string, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))

	var doc bytes.Buffer
	doc.Write([]byte{0, 0, 0, 0}) // document length, patched below
	doc.WriteByte(0x10)           // int32
	doc.WriteString("hello\x00")
	_ = binary.Write(&doc, binary.LittleEndian, int32(1))
	doc.WriteByte(0x02) // string
	doc.WriteString("$db\x00")
	_ = binary.Write(&doc, binary.LittleEndian, int32(len("admin")+1))
	doc.WriteString("admin\x00")
	doc.WriteByte(0x00)
	d := doc.Bytes()
	binary.LittleEndian.PutUint32(d, uint32(len(d)))

	var msg bytes.Buffer
	_ = binary.Write(&msg, binary.LittleEndian, int32(16+4+1+len(d))) // messageLength
	_ = binary.Write(&msg, binary.LittleEndian, int32(1))             // requestID
	_ = binary.Write(&msg, binary.LittleEndian, int32(0))             // responseTo
	_ = binary.Write(&msg, binary.LittleEndian, int32(2013))          // OP_MSG
	_ = binary.Write(&msg, binary.LittleEndian, uint32(0))            // flagBits
	msg.WriteByte(0)                                                  // section kind 0: body
	msg.Write(d)

	if _, err = conn.Write(msg.Bytes()); err != nil {
		return err
	}

	header := make([]byte, 16)
	if _, err = io.ReadFull(conn, header); err != nil {
		return fmt.Errorf("reading reply header: %w", err)
	}
	length := binary.LittleEndian.Uint32(header[0:4])
	if opCode := binary.LittleEndian.Uint32(header[12:16]); opCode != 2013 {
		return fmt.Errorf("unexpected reply opCode %d", opCode)
	}
	if length < 16 || length > 16<<20 {
		return fmt.Errorf("unexpected reply length %d", length)
	}
	body := make([]byte, length-16)
	if _, err = io.ReadFull(conn, body); err != nil {
		return fmt.Errorf("reading reply body: %w", err)
	}

	// {ok: 1.0} is encoded as type 0x01 (double), key "ok\0", little-endian float64 1.0.
	okDouble := make([]byte, 8)
	binary.LittleEndian.PutUint64(okDouble, math.Float64bits(1))
	if !bytes.Contains(body, append([]byte("\x01ok\x00"), okDouble...)) {
		return fmt.Errorf("reply has no ok: 1 (%d bytes)", len(body))
	}
	return nil
}
