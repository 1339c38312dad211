// Package clients adapts the store's in-process domain services to the interfaces the checkout
// saga defines (orders.Inventory, orders.Payments, orders.Carts, orders.Prices), one file per
// domain. Each adapter translates the domain's refusals into the orders package's errors, so
// the saga can tell a refusal (compensate) from a fault that may pass (retry).
package clients
