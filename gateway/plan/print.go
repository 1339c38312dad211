package plan

import (
	"fmt"
	"sort"
	"strings"
)

// String prints the plan, one fetch per line, for logs and tests.
func (p *Plan) String() string {
	var b strings.Builder
	for _, f := range p.Fetches {
		fmt.Fprintf(&b, "[%d] %s", f.ID, f.Subgraph)
		if len(f.DependsOn) > 0 {
			fmt.Fprintf(&b, " after %v", f.DependsOn)
		}
		if f.Entity {
			types := make([]string, 0, len(f.Reps))
			for t := range f.Reps {
				types = append(types, t)
			}
			sort.Strings(types)
			fmt.Fprintf(&b, " at %s for %s", strings.Join(f.Path, "."), strings.Join(types, ","))
		}
		fmt.Fprintf(&b, ": %s\n", f.Query)
	}
	return b.String()
}
