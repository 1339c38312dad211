package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 99, 0},
		{"one", []time.Duration{ms(7)}, 50, ms(7)},
		{"p50 of 100", hundred, 50, ms(50)},
		{"p99 of 100", hundred, 99, ms(99)},
		{"p100 of 100", hundred, 100, ms(100)},
		{"p95 of 3 is the largest", []time.Duration{ms(1), ms(2), ms(3)}, 95, ms(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(p%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarizeCountsPaidWithoutCapture(t *testing.T) {
	s := summarize([]outcome{
		{latency: time.Millisecond, code: "PAID", paymentStatus: "CAPTURED"},
		{latency: time.Millisecond, code: "PAID", paymentStatus: "AUTHORIZED"},
		{latency: time.Millisecond, code: "OUT_OF_STOCK"},
		{code: "NOT_RUN"},
	})
	if s.attempted != 3 || s.paid != 2 || s.paidNotCaptured != 1 || s.codes["OUT_OF_STOCK"] != 1 || s.codes["NOT_RUN"] != 1 {
		t.Errorf("summary = %+v", s)
	}
}

func TestValidateRefusesRemoteStores(t *testing.T) {
	base := options{n: 10, c: 2, setupC: 2, maxLines: 3, skus: 5, units: 1, attempts: 1, budget: time.Minute,
		staff: credentials{defaultStaffEmail, defaultStaffPassword}}
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:4000/graphql", true},
		{"http://localhost:4000/graphql", true},
		{"http://[::1]:4000/graphql", true},
		{"http://shop.example.com/graphql", false},
		{"http://10.0.0.5:4000/graphql", false},
	}
	for _, tt := range tests {
		o := base
		o.url = tt.url
		if err := o.validate(); (err == nil) != tt.ok {
			t.Errorf("validate(%s) = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}

func TestFormatCodesMostFrequentFirst(t *testing.T) {
	got := formatCodes(map[string]int{"TRANSPORT": 1, "OUT_OF_STOCK": 5, "CHECKOUT_FAILED": 1})
	if want := "OUT_OF_STOCK 5, CHECKOUT_FAILED 1, TRANSPORT 1"; got != want {
		t.Errorf("formatCodes = %q, want %q", got, want)
	}
	if got := formatCodes(nil); got != "none" {
		t.Errorf("formatCodes(nil) = %q, want none", got)
	}
}
