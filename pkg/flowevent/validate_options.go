package flowevent

import (
	"fmt"
	"strings"
)

// checkOptions checks the opt-in request options of a node: body mode,
// capture and signing.
func checkOptions(p *problems, n NodeConfig) {
	checkBody(p, n)
	checkCapture(p, n.Capture)
	if n.Signing != nil {
		checkSigning(p, *n.Signing)
	}
}

// checkBody checks the body mode against the method and, for a JSON body,
// the parameter names.
func checkBody(p *problems, n NodeConfig) {
	switch n.Body {
	case "", BodyQuery:
		return
	case BodyJSON, BodyForm:
	default:
		p.errorf("body", "must be query, json or form")
		return
	}
	if n.Method == MethodGet || n.Method == MethodDelete {
		p.errorf("body", "%s requests carry no body: use body query (the default), or POST, PUT or PATCH", n.Method)
	}
	if n.Body == BodyJSON {
		checkJSONNames(p, n.Params)
	}
}

// checkJSONNames checks that the parameter names of a JSON body build one
// object: every dotted segment non-empty, no name twice, and no name that
// is both a value and the object of another ("a" and "a.b").
func checkJSONNames(p *problems, params []Param) {
	leaves := map[string]int{}  // full name -> parameter index
	parents := map[string]int{} // object path -> first parameter under it
	for i, prm := range params {
		path := fmt.Sprintf("params[%d].name", i)
		if prm.Name == "" {
			continue // reported by checkParam
		}
		segs := strings.Split(prm.Name, ".")
		if jsonNameConflict(p, path, segs, leaves, parents) {
			continue
		}
		leaves[prm.Name] = i
		for k := 1; k < len(segs); k++ {
			if parent := strings.Join(segs[:k], "."); !hasKey(parents, parent) {
				parents[parent] = i
			}
		}
	}
}

// jsonNameConflict reports (and records) whether one name cannot join the
// object built so far.
func jsonNameConflict(p *problems, path string, segs []string, leaves, parents map[string]int) bool {
	name := strings.Join(segs, ".")
	for _, s := range segs {
		if s == "" {
			p.errorf(path, "has an empty segment: in a json body, dots build nested objects")
			return true
		}
	}
	if j, ok := leaves[name]; ok {
		p.errorf(path, "repeats params[%d].name: a JSON object has one value per field", j)
		return true
	}
	if j, ok := parents[name]; ok {
		p.errorf(path, "is a value, but params[%d].name makes it an object", j)
		return true
	}
	for k := 1; k < len(segs); k++ {
		if j, ok := leaves[strings.Join(segs[:k], ".")]; ok {
			p.errorf(path, "nests under params[%d].name, which is a value, not an object", j)
			return true
		}
	}
	return false
}

// checkCapture checks the capture fields: count, names and pointers.
func checkCapture(p *problems, fields []CaptureField) {
	if len(fields) > MaxCaptureFields {
		p.errorf("capture", "more than %d fields", MaxCaptureFields)
	}
	seen := map[string]int{}
	for i, f := range fields {
		path := fmt.Sprintf("capture[%d]", i)
		if !validCaptureName(f.Name) {
			p.errorf(path+".name", "must match %s", captureNamePattern)
		} else if j, ok := seen[f.Name]; ok {
			p.errorf(path+".name", "repeats capture[%d].name", j)
		} else {
			seen[f.Name] = i
		}
		checkPointer(p, path+".pointer", f.Pointer)
	}
}

// checkSigning checks the signing scheme and the key's secret name.
func checkSigning(p *problems, s Signing) {
	if s.Scheme != SigningStandardWebhooks {
		p.errorf("signing.scheme", "must be %s", SigningStandardWebhooks)
	}
	if !ValidSecretName(s.Secret) {
		p.errorf("signing.secret", "must match %s", secretNamePattern)
	}
}

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}
