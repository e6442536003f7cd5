package request

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
	"github.com/flowhook/flowhook/pkg/jsonwire"
)

// jsonObject is one object of a JSON body: its keys in the order the
// parameters first name them.
type jsonObject struct {
	keys   []string
	fields map[string]jsonField
}

// jsonField is a nested object, or the index of the parameter whose value
// goes there.
type jsonField struct {
	obj   *jsonObject
	param int
}

func newJSONObject() *jsonObject { return &jsonObject{fields: map[string]jsonField{}} }

func (o *jsonObject) add(key string, f jsonField) {
	o.keys = append(o.keys, key)
	o.fields[key] = f
}

// jsonTree arranges the parameters that skip (nil: none) does not leave
// out as nested objects, dotted names building the nesting; an object all
// of whose fields are left out is left out too. A name with an empty
// segment, a name given twice, and a name that is both a value and an
// object are *Errors (validation refuses them first).
func jsonTree(params []flowevent.Param, skip []bool) (*jsonObject, error) {
	root := newJSONObject()
	for i := range params {
		if skip != nil && skip[i] {
			continue
		}
		p := &params[i]
		segs := strings.Split(p.Name, ".")
		cur := root
		for _, seg := range segs[:len(segs)-1] {
			f, ok := cur.fields[seg]
			switch {
			case seg == "":
				return nil, configError(paramRef(i, p) + " name has an empty segment")
			case !ok:
				f = jsonField{obj: newJSONObject()}
				cur.add(seg, f)
			case f.obj == nil:
				return nil, configError(paramRef(i, p) + " nests under a name that is a value")
			}
			cur = f.obj
		}
		leaf := segs[len(segs)-1]
		if leaf == "" {
			return nil, configError(paramRef(i, p) + " name has an empty segment")
		}
		if _, ok := cur.fields[leaf]; ok {
			return nil, configError(paramRef(i, p) + " names a field that another parameter already sets")
		}
		cur.add(leaf, jsonField{param: i})
	}
	return root, nil
}

// jsonBody writes the node's parameters as one JSON object.
func (b *Builder) jsonBody(req *flowevent.Request) ([]byte, error) {
	skip, _ := leftOut(req)
	root, err := jsonTree(req.Node.Params, skip)
	if err != nil {
		return nil, err
	}
	return b.appendObject(make([]byte, 0, 64+48*len(req.Node.Params)), root, req)
}

// appendObject appends obj with every value resolved.
func (b *Builder) appendObject(dst []byte, obj *jsonObject, req *flowevent.Request) ([]byte, error) {
	dst = append(dst, '{')
	for k, key := range obj.keys {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = jsonwire.AppendString(dst, key, false)
		dst = append(dst, ':')
		var err error
		if f := obj.fields[key]; f.obj != nil {
			dst, err = b.appendObject(dst, f.obj, req)
		} else {
			dst, err = b.appendParamJSON(dst, f.param, req)
		}
		if err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// appendParamJSON appends one parameter's value as JSON: profile and event
// values with their JSON type (a missing one as null), static and secret
// values as strings.
func (b *Builder) appendParamJSON(dst []byte, i int, req *flowevent.Request) ([]byte, error) {
	p := &req.Node.Params[i]
	v, err := b.resolve(i, p, req)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return jsonwire.AppendString(dst, v, false), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case json.Number:
		if isJSONNumber(v) {
			return append(dst, v...), nil
		}
	}
	out, err := appendJSON(dst, v)
	if err != nil {
		return nil, &Error{Reason: flowevent.ReasonInvalidEvent, Detail: "value of " + paramRef(i, p) + " has no JSON form"}
	}
	return out, nil
}

// resolve returns a parameter's value: the static value or the secret as a
// string, the profile or event value as decoded (nil when missing).
func (b *Builder) resolve(i int, p *flowevent.Param, req *flowevent.Request) (any, error) {
	switch p.From {
	case flowevent.FromStatic:
		return p.Value, nil
	case flowevent.FromSecret:
		s, ok := b.secret(req.Account, p.Secret)
		if !ok {
			return nil, missingSecret("secret " + quote(p.Secret) + " for " + paramRef(i, p) + " not found")
		}
		return s, nil
	case flowevent.FromProfile:
		v, _ := lookupProfile(req.Profile.Attributes, p.Path)
		return v, nil
	case flowevent.FromEvent:
		if req.Trigger == nil {
			return nil, nil
		}
		v, _ := lookupEvent(req.Trigger.Data, p.Path)
		return v, nil
	}
	return nil, configError(paramRef(i, p) + " has unknown source " + quote(string(p.From)))
}

// isJSONNumber reports whether n is a JSON number literal, as every
// json.Number decoded from request data is.
func isJSONNumber(n json.Number) bool {
	return n != "" && (n[0] == '-' || n[0] >= '0' && n[0] <= '9') && json.Valid([]byte(n))
}
