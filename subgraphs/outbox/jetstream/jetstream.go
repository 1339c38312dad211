// Package jetstream is the store's message bus: NATS JetStream, embedded in the process by
// default (one binary, nothing to install) or an external cluster when a URL is configured.
// Bus implements outbox.Publisher.
package jetstream

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shopgraph/shopgraph/subgraphs/outbox"
)

// EnvURL names the environment variable that points the store at an external NATS cluster.
const EnvURL = "NATS_URL"

// StreamName is the stream that keeps every domain event.
const StreamName = "SHOPGRAPH_EVENTS"

// DuplicateWindow is how long the stream remembers message ids. A relay that crashed after
// publishing republishes well within it, and the repeats are dropped.
const DuplicateWindow = 10 * time.Minute

// Config says where the bus is.
type Config struct {
	// URL of an external NATS server or cluster; empty embeds a server in the process.
	URL string
	// StoreDir keeps the embedded server's streams; empty uses a temporary directory, which
	// loses events not yet consumed when the process stops.
	StoreDir string
}

// ConfigFromEnv reads NATS_URL.
func ConfigFromEnv() Config { return Config{URL: os.Getenv(EnvURL)} }

// Bus is a connection to JetStream with the events stream in place.
type Bus struct {
	conn     *nats.Conn
	js       jetstream.JetStream
	embedded *server.Server
	tmpDir   string
}

// Open connects to the bus, starting the embedded server when no URL is configured, and makes
// sure the events stream exists.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	b := &Bus{}
	var err error
	if cfg.URL != "" {
		b.conn, err = nats.Connect(cfg.URL, nats.Name("shopgraph"), nats.MaxReconnects(-1))
		if err != nil {
			return nil, fmt.Errorf("connect to NATS at %s: %w", cfg.URL, err)
		}
	} else if err := b.startEmbedded(cfg.StoreDir); err != nil {
		return nil, err
	}
	b.js, err = jetstream.New(b.conn)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	_, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamName,
		Subjects:   []string{outbox.SubjectPrefix + ".>"},
		Storage:    jetstream.FileStorage,
		Duplicates: DuplicateWindow,
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("create stream %s: %w", StreamName, err)
	}
	return b, nil
}

func (b *Bus) startEmbedded(dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "shopgraph-nats-")
		if err != nil {
			return fmt.Errorf("embedded NATS store: %w", err)
		}
		dir, b.tmpDir = tmp, tmp
	}
	// No listener: only this process talks to it, through an in-process connection.
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: dir, DontListen: true, NoSigs: true})
	if err != nil {
		return fmt.Errorf("embedded NATS: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return errors.New("embedded NATS did not start within 10s")
	}
	b.embedded = ns
	b.conn, err = nats.Connect("", nats.InProcessServer(ns), nats.Name("shopgraph"))
	if err != nil {
		ns.Shutdown()
		return fmt.Errorf("connect to embedded NATS: %w", err)
	}
	return nil
}

// JetStream is the bus for consumers.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Publish implements outbox.Publisher: every message is sent with its outbox id as
// Nats-Msg-Id, and Publish returns once the stream has acknowledged all of them.
func (b *Bus) Publish(ctx context.Context, msgs []outbox.Message) error {
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		nm := nats.NewMsg(m.Subject)
		nm.Data = m.Data
		nm.Header.Set("Shopgraph-Event-Type", m.Type)
		nm.Header.Set("Shopgraph-Event-Key", m.Key)
		f, err := b.js.PublishMsgAsync(nm, jetstream.WithMsgID(m.ID), jetstream.WithExpectStream(StreamName))
		if err != nil {
			return fmt.Errorf("publish %s %s: %w", m.Type, m.ID, err)
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("publish %s %s: %w", msgs[i].Type, msgs[i].ID, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close drains the connection and stops the embedded server.
func (b *Bus) Close() {
	if b.conn != nil {
		_ = b.conn.Drain()
		b.conn.Close()
	}
	if b.embedded != nil {
		b.embedded.Shutdown()
		b.embedded.WaitForShutdown()
	}
	if b.tmpDir != "" {
		_ = os.RemoveAll(b.tmpDir)
	}
}
