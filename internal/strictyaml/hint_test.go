package strictyaml

import "testing"

func TestSuggest(t *testing.T) {
	known := []string{"message_size", "max_in_flight", "rate", "producers", "consumers", "keys", "payload"}
	tests := map[string]string{
		"mesage_size":  "message_size",
		"messageSize":  "message_size",
		"MESSAGE-SIZE": "message_size",
		"rat":          "rate",
		"producer":     "producers",
		"consumer":     "consumers",
		"payloads":     "payload",
		"size":         "",
		"throughput":   "",
		"":             "",
	}
	for name, want := range tests {
		if got := Suggest(name, known); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
}
