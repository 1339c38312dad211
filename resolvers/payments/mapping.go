package paymentsresolvers

import (
	paymentsql "github.com/shopgraph/shopgraph/graph/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

func moneyModel(amount int64, currency string) *paymentsql.Money {
	return &paymentsql.Money{Amount: int(amount), Currency: currency}
}

func paymentModel(i payments.Intent) *paymentsql.Payment {
	cur := i.Amount.Currency
	return &paymentsql.Payment{
		ID:               i.ID,
		Status:           paymentsql.PaymentStatus(i.Status),
		Amount:           moneyModel(i.Amount.Amount, cur),
		AuthorizedAmount: moneyModel(i.Authorized, cur),
		CapturedAmount:   moneyModel(i.Captured, cur),
		RefundedAmount:   moneyModel(i.Refunded, cur),
		CreatedAt:        i.CreatedAt,
		UpdatedAt:        i.UpdatedAt,
	}
}

func eventModel(e payments.LedgerEntry) paymentsql.PaymentEvent {
	return paymentsql.PaymentEvent{
		Operation: paymentsql.PaymentOperation(e.Operation),
		Amount:    moneyModel(e.Amount.Amount, e.Amount.Currency),
		CreatedAt: e.CreatedAt,
	}
}
