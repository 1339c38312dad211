package clients

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
)

// Inventory is orders.Inventory over the inventory domain's reservations.
type Inventory struct {
	reservations *inventory.Reservations
	holdTTL      time.Duration
}

var _ orders.Inventory = (*Inventory)(nil)

// NewInventory returns the adapter; holds last holdTTL (0: the inventory default, 10 minutes).
func NewInventory(r *inventory.Reservations, holdTTL time.Duration) *Inventory {
	return &Inventory{reservations: r, holdTTL: holdTTL}
}

// Reserve implements orders.Inventory.
func (i *Inventory) Reserve(ctx context.Context, orderID string, lines []orders.Line, shipTo orders.Address) error {
	req := inventory.ReserveRequest{OrderID: orderID, ShipTo: inventory.Location{Latitude: shipTo.Latitude, Longitude: shipTo.Longitude}, TTL: i.holdTTL}
	for _, l := range lines {
		req.Lines = append(req.Lines, inventory.ReserveLine{SKU: l.SKU, Quantity: l.Quantity})
	}
	_, err := i.reservations.Reserve(ctx, req)
	var oos *inventory.OutOfStockError
	if errors.As(err, &oos) {
		out := &orders.OutOfStockError{}
		for _, l := range oos.Lines {
			out.Lines = append(out.Lines, orders.UnavailableLine{SKU: l.SKU, Requested: l.Requested, Available: l.Available})
		}
		return out
	}
	return refusal(err)
}

// Confirm implements orders.Inventory.
func (i *Inventory) Confirm(ctx context.Context, orderID string) error {
	_, err := i.reservations.Confirm(ctx, orderID)
	var hs *inventory.HoldStateError
	if errors.As(err, &hs) && hs.Code != inventory.CodeHoldsConfirmed {
		return fmt.Errorf("%w: %s", orders.ErrHoldsLost, hs.Message)
	}
	return refusal(err)
}

// Release implements orders.Inventory.
func (i *Inventory) Release(ctx context.Context, orderID string) error {
	_, err := i.reservations.Release(ctx, orderID)
	var hs *inventory.HoldStateError
	if errors.As(err, &hs) && hs.Code == inventory.CodeHoldsConfirmed {
		// The units already left stock with the order (it failed after confirming); the
		// return of the goods, not checkout, puts them back.
		slog.WarnContext(ctx, "release of confirmed holds skipped", "order", orderID)
		return nil
	}
	return refusal(err)
}

// refusal marks inventory's refusals as such; other errors stay faults that may pass.
func refusal(err error) error {
	var hs *inventory.HoldStateError
	var in *inventory.InputError
	if errors.As(err, &hs) || errors.As(err, &in) {
		return fmt.Errorf("%w: %w", orders.ErrRefused, err)
	}
	return err
}
