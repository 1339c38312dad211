package settings

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// EnvPrefix starts every override variable: gateway.subgraph_timeout is
// SHOPGRAPH_GATEWAY_SUBGRAPH_TIMEOUT.
const EnvPrefix = "SHOPGRAPH_"

// EnvName is the variable that overrides a dotted key.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

// shortNames are the conventional variables some keys also answer to, below SHOPGRAPH_*.
var shortNames = map[string]string{
	"database_url":       "DATABASE_URL",
	"redis_url":          "REDIS_URL",
	"listen":             "LISTEN_ADDR",
	"data.search_index":  "SEARCH_INDEX_DIR",
	"data.search_engine": "SEARCH_ENGINE",
	"data.nats_store":    "NATS_STORE_DIR",
}

// applyEnv sets every key whose variable is set. Lists are comma-separated.
func applyEnv(f *File, lookup func(string) (string, bool), given map[string]bool) error {
	return walk(reflect.ValueOf(f).Elem(), "", func(key string, v reflect.Value) error {
		for _, name := range []string{shortNames[key], EnvName(key)} {
			raw, ok := lookup(name)
			if name == "" || !ok || (raw == "" && name == shortNames[key]) {
				continue // an empty DATABASE_URL and the like count as unset, as they always have
			}
			if err := setText(v, raw); err != nil {
				return &Error{Key: key, Reason: fmt.Sprintf("%s=%q: %v", name, raw, err)}
			}
			given[key] = true
		}
		return nil
	})
}

// walk calls leaf for every settable leaf field, with its dotted yaml key.
func walk(v reflect.Value, prefix string, leaf func(key string, v reflect.Value) error) error {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && !implementsText(fv) {
			if err := walk(fv, key, leaf); err != nil {
				return err
			}
			continue
		}
		if err := leaf(key, fv); err != nil {
			return err
		}
	}
	return nil
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func implementsText(v reflect.Value) bool { return v.Addr().Type().Implements(textUnmarshaler) }

// setText parses raw into the field.
func setText(v reflect.Value, raw string) error {
	if d, ok := v.Addr().Interface().(*Duration); ok {
		if err := d.UnmarshalText([]byte(raw)); err != nil || *d == badDuration {
			return fmt.Errorf("not a duration such as 30s or 5m")
		}
		return nil
	}
	if v.CanAddr() && implementsText(v) {
		return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw))
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not true or false")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("not a whole number")
		}
		v.SetInt(n)
	case reflect.Float64:
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		v.SetFloat(n)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("set this list in the file")
		}
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("set this key in the file")
	}
	return nil
}
