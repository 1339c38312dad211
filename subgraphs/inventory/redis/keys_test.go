package redis

import (
	"strings"
	"testing"
)

// slotTag is the part of a key that Redis Cluster hashes: the text between the first '{' and
// the next '}', when not empty; otherwise the whole key.
func slotTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// Every script touches the keys of one SKU only, so they must share a cluster slot, whatever
// the SKU's characters (SKUs are never empty: ValidateSKU); distinct SKUs should not share one.
func TestKeysOfASKUShareAClusterSlot(t *testing.T) {
	f, err := New(nil, WithPrefix("shop:inv"), WithoutAutoPipeline())
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, sku := range []string{"TSHIRT-RED-M", "A", "A{B", "A}B", "A%7DB", "{x}", "}{", "Ünïcode"} {
		keys := f.keys(sku)
		tag := slotTag(keys[0])
		for _, k := range keys[1:] {
			if slotTag(k) != tag {
				t.Errorf("sku %q: key %q hashes on %q, key %q on %q", sku, keys[0], tag, k, slotTag(k))
			}
		}
		if other, ok := tags[tag]; ok {
			t.Errorf("skus %q and %q share the slot tag %q", sku, other, tag)
		}
		tags[tag] = sku
	}
	if _, err := New(nil, WithPrefix("shop:{inv}")); err == nil {
		t.Error("a prefix with braces was accepted; it would put every SKU in one slot")
	}
}
