package inventory

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Hold sets units of a SKU at one fulfillment center aside for an order until it expires.
type Hold struct {
	ID                  string // ULID
	OrderID             string
	SKU                 string
	FulfillmentCenterID string
	Quantity            int
	Status              string // HoldActive, HoldConfirmed or HoldReleased
	ExpiresAt           time.Time
}

// Location is a point on Earth, such as a shipping address or a fulfillment center.
type Location struct {
	Latitude  float64
	Longitude float64
}

// ReserveLine asks for units of one SKU.
type ReserveLine struct {
	SKU      string
	Quantity int
}

// ReserveRequest asks for holds on every line of an order, all or none.
type ReserveRequest struct {
	OrderID string
	Lines   []ReserveLine
	ShipTo  Location
	TTL     time.Duration // 0 means DefaultHoldTTL
}

const (
	// DefaultHoldTTL is how long a hold lasts when the request names no TTL: long enough for a
	// payment to be authorised and captured, short enough that abandoned checkouts give stock back.
	DefaultHoldTTL = 10 * time.Minute
	// MaxHoldTTL bounds a hold: a longer one would hide stock from every other buyer.
	MaxHoldTTL = 24 * time.Hour
	// MaxReserveLines bounds one order, like the largest cart.
	MaxReserveLines = 500
	// MaxOrderIDLength bounds order ids, which other domains issue (ULID or UUID).
	MaxOrderIDLength = 64
)

// ValidateOrderID rejects order ids that could not name an order: empty, too long, or containing
// whitespace, control characters or the separator the flash-sale path encodes holds with.
func ValidateOrderID(field, id string) error {
	switch {
	case id == "":
		return &InputError{Field: field, Message: "orderId must not be empty"}
	case len(id) > MaxOrderIDLength:
		return &InputError{Field: field, Message: fmt.Sprintf("orderId must be at most %d bytes", MaxOrderIDLength)}
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '|' }) >= 0:
		return &InputError{Field: field, Message: "orderId must not contain whitespace, control characters or '|'"}
	}
	return nil
}

// Normalize validates the request and returns it with lines of the same SKU merged (one hold
// per order and SKU) in the order they first appear, and the TTL defaulted.
func (r ReserveRequest) Normalize() (ReserveRequest, error) {
	if err := ValidateOrderID("orderId", r.OrderID); err != nil {
		return r, err
	}
	switch {
	case len(r.Lines) == 0:
		return r, &InputError{Field: "lines", Message: "an order must reserve at least one line"}
	case len(r.Lines) > MaxReserveLines:
		return r, &InputError{Field: "lines", Message: fmt.Sprintf("an order can reserve at most %d lines", MaxReserveLines)}
	case r.TTL < 0 || r.TTL > MaxHoldTTL:
		return r, &InputError{Field: "ttl", Message: fmt.Sprintf("ttl must be between 0 (default %s) and %s", DefaultHoldTTL, MaxHoldTTL)}
	case math.Abs(r.ShipTo.Latitude) > 90 || math.Abs(r.ShipTo.Longitude) > 180 || math.IsNaN(r.ShipTo.Latitude) || math.IsNaN(r.ShipTo.Longitude):
		return r, &InputError{Field: "shipTo", Message: "shipTo must be a latitude in [-90, 90] and a longitude in [-180, 180]"}
	}
	if r.TTL == 0 {
		r.TTL = DefaultHoldTTL
	}
	merged := make([]ReserveLine, 0, len(r.Lines))
	at := make(map[string]int, len(r.Lines))
	for i, l := range r.Lines {
		if err := ValidateSKU(fmt.Sprintf("lines[%d].sku", i), l.SKU); err != nil {
			return r, err
		}
		if l.Quantity < 1 || l.Quantity > MaxRestockQuantity {
			return r, &InputError{Field: fmt.Sprintf("lines[%d].quantity", i), Message: fmt.Sprintf("quantity must be between 1 and %d", MaxRestockQuantity)}
		}
		if j, ok := at[l.SKU]; ok {
			merged[j].Quantity += l.Quantity
			continue
		}
		at[l.SKU] = len(merged)
		merged = append(merged, l)
	}
	r.Lines = merged
	return r, nil
}

// SKUs returns the SKUs of the request's lines.
func (r ReserveRequest) SKUs() []string {
	skus := make([]string, len(r.Lines))
	for i, l := range r.Lines {
		skus[i] = l.SKU
	}
	return skus
}

// DistanceKm is the great-circle distance between two points (haversine), which is close
// enough to shipping cost to rank fulfillment centers.
func DistanceKm(a, b Location) float64 {
	const earthRadiusKm = 6371.0
	rad := func(deg float64) float64 { return deg * math.Pi / 180 }
	dLat := rad(b.Latitude - a.Latitude)
	dLon := rad(b.Longitude - a.Longitude)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(a.Latitude))*math.Cos(rad(b.Latitude))*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(min(1, h)))
}

// ByDistance returns the centers nearest to to first; ties go to the lower center code so
// that the choice is the same on every replica.
func ByDistance(centers []FulfillmentCenter, to Location) []FulfillmentCenter {
	out := slices.Clone(centers)
	dist := make(map[string]float64, len(out))
	for _, c := range out {
		dist[c.ID] = DistanceKm(Location{c.Latitude, c.Longitude}, to)
	}
	slices.SortStableFunc(out, func(a, b FulfillmentCenter) int {
		return cmp.Or(cmp.Compare(dist[a.ID], dist[b.ID]), cmp.Compare(a.Code, b.Code))
	})
	return out
}

// Allocation is the center chosen to serve one line.
type Allocation struct {
	SKU                 string
	FulfillmentCenterID string
	Quantity            int
}

// Allocate chooses, for each line, the nearest center to shipTo whose available stock covers the
// whole line (a line is shipped from one center). stock is the current stock of the lines' SKUs,
// as read under the locks that keep it current. It returns one allocation per line, in line
// order, or an *OutOfStockError naming every line no center can serve.
func Allocate(lines []ReserveLine, stock []Availability, shipTo Location) ([]Allocation, error) {
	type candidate struct {
		center    FulfillmentCenter
		available int
		distance  float64
	}
	bySKU := make(map[string][]*candidate, len(lines))
	for _, a := range stock {
		for _, s := range a.Centers {
			bySKU[a.SKU] = append(bySKU[a.SKU], &candidate{
				center:    s.Center,
				available: s.Available(),
				distance:  DistanceKm(Location{s.Center.Latitude, s.Center.Longitude}, shipTo),
			})
		}
	}
	for _, cs := range bySKU {
		slices.SortStableFunc(cs, func(a, b *candidate) int {
			return cmp.Or(cmp.Compare(a.distance, b.distance), cmp.Compare(a.center.Code, b.center.Code))
		})
	}
	out := make([]Allocation, 0, len(lines))
	var short []UnavailableLine
	for _, l := range lines {
		best := 0
		chosen := false
		for _, c := range bySKU[l.SKU] {
			if c.available >= l.Quantity {
				// Lines of the same SKU have been merged, but stay safe if they were not.
				c.available -= l.Quantity
				out = append(out, Allocation{SKU: l.SKU, FulfillmentCenterID: c.center.ID, Quantity: l.Quantity})
				chosen = true
				break
			}
			best = max(best, c.available)
		}
		if !chosen {
			short = append(short, UnavailableLine{SKU: l.SKU, Requested: l.Quantity, Available: best})
		}
	}
	if len(short) > 0 {
		return nil, &OutOfStockError{Lines: short}
	}
	return out, nil
}

// ExistingHolds decides what a repeated Reserve of an order gets, given every hold the order
// already has: the same holds when they still stand, or an error when they were released,
// expired, or asked for different quantities. It returns nil, nil when the order holds none
// of the requested SKUs yet.
func ExistingHolds(req ReserveRequest, holds []Hold, now time.Time) ([]Hold, error) {
	if len(holds) == 0 {
		return nil, nil
	}
	want := make(map[string]int, len(req.Lines))
	for _, l := range req.Lines {
		want[l.SKU] = l.Quantity
	}
	var matched []Hold
	for _, h := range holds {
		switch {
		case h.Status == HoldReleased:
			return nil, &HoldStateError{Code: CodeHoldsReleased, OrderID: req.OrderID,
				Message: fmt.Sprintf("the holds of order %s were released; reserve under a new order id", req.OrderID)}
		case h.Status == HoldActive && !h.ExpiresAt.After(now):
			return nil, &HoldStateError{Code: CodeHoldsExpired, OrderID: req.OrderID,
				Message: fmt.Sprintf("the holds of order %s expired; reserve under a new order id", req.OrderID)}
		}
		if q, ok := want[h.SKU]; ok {
			if q != h.Quantity {
				return nil, conflict(req.OrderID)
			}
			matched = append(matched, h)
		}
	}
	switch len(matched) {
	case 0:
		return nil, nil // the order holds other SKUs only (taken on the other path)
	case len(req.Lines):
		return matched, nil
	}
	return nil, conflict(req.OrderID)
}

func conflict(orderID string) error {
	return &HoldStateError{Code: CodeIdempotencyConflict, OrderID: orderID,
		Message: fmt.Sprintf("order %s already holds different lines", orderID)}
}
