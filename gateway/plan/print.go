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
			seen := map[string]bool{}
			var types []string
			for _, tg := range f.Targets {
				for t := range tg.Reps {
					if !seen[t] {
						seen[t] = true
						types = append(types, t)
					}
				}
			}
			sort.Strings(types)
			fmt.Fprintf(&b, " at %s for %s", targetPaths(f), strings.Join(types, ","))
		}
		fmt.Fprintf(&b, ": %s\n", f.Query)
	}
	return b.String()
}
