package main

import "testing"

func TestEndpointCap(t *testing.T) {
	tests := []struct{ flag, workers, want int }{
		{0, 256, 128},
		{0, 1, 1},
		{-1, 256, 0},
		{8, 256, 8},
		{500, 256, 500},
	}
	for _, tt := range tests {
		if got := endpointCap(tt.flag, tt.workers); got != tt.want {
			t.Errorf("endpointCap(%d, %d) = %d, want %d", tt.flag, tt.workers, got, tt.want)
		}
	}
}
