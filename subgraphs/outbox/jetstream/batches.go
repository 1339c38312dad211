package jetstream

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Batches is a durable consumer whose messages are handled in batches: the messages that have
// arrived together, up to Max, go to the handler at once, so a burst of events costs one round
// of work. The handler acknowledges each message itself; one it leaves unacknowledged is
// redelivered after AckWait, and so is one still queued when the consumer stops.
type Batches struct {
	Stream   string
	Durable  string
	Subjects []string
	// Deliver is where a new durable consumer starts (default: the whole stream).
	Deliver jetstream.DeliverPolicy
	// Max bounds a batch (default 256).
	Max int
	// OnReady, when set, is called once messages are being consumed.
	OnReady func()
}

// Run consumes until ctx ends, then returns nil. It returns an error only when the durable
// consumer cannot be set up.
func (b Batches) Run(ctx context.Context, js jetstream.JetStream, handle func(context.Context, []jetstream.Msg)) error {
	max := b.Max
	if max <= 0 {
		max = 256
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, b.Stream, jetstream.ConsumerConfig{
		Durable:        b.Durable,
		FilterSubjects: b.Subjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        30 * time.Second,
		MaxAckPending:  4 * max,
		DeliverPolicy:  b.Deliver,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	msgs := make(chan jetstream.Msg, max)
	done := make(chan struct{})
	defer close(done)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case msgs <- m:
		case <-done: // not acknowledged: redelivered to the next run
		}
	}, jetstream.PullMaxMessages(max))
	if err != nil {
		return err
	}
	defer cc.Stop()
	if b.OnReady != nil {
		b.OnReady()
	}
	for {
		var batch []jetstream.Msg
		select {
		case <-ctx.Done():
			return nil
		case m := <-msgs:
			batch = append(batch, m)
		}
	drain:
		for len(batch) < max {
			select {
			case m := <-msgs:
				batch = append(batch, m)
			default:
				break drain
			}
		}
		handle(ctx, batch)
	}
}
