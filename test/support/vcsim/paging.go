package main

// govmomi 0.24.2's simulator ignores RetrievePropertiesEx's maxObjects and has no
// ContinueRetrievePropertiesEx, while a real vCenter pages large results behind a token. This
// wraps the simulator's own PropertyCollector so that big inventories come back in pages the
// way vCenter sends them, and the client's paging loop runs against a real server.

import (
	"fmt"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type pending struct {
	rest []types.ObjectContent
	size int
}

// The simulator makes one collector per session with reflect.New, so state lives out here.
var (
	pagesMu   sync.Mutex
	pages     = map[string]pending{}
	nextToken int
)

type pagingCollector struct {
	simulator.PropertyCollector
}

func usePagingCollector(model *simulator.Model) {
	pc := &pagingCollector{}
	pc.Self = model.ServiceContent.PropertyCollector
	simulator.Map.Put(pc)
}

// page returns the first size objects and keeps the rest under a new token.
func page(objects []types.ObjectContent, size int) types.RetrieveResult {
	if size <= 0 || len(objects) <= size {
		return types.RetrieveResult{Objects: objects}
	}
	pagesMu.Lock()
	defer pagesMu.Unlock()
	nextToken++
	token := fmt.Sprintf("page-%d", nextToken)
	pages[token] = pending{rest: objects[size:], size: size}
	return types.RetrieveResult{Objects: objects[:size], Token: token}
}

func (pc *pagingCollector) RetrievePropertiesEx(ctx *simulator.Context, r *types.RetrievePropertiesEx) soap.HasFault {
	body := pc.PropertyCollector.RetrievePropertiesEx(ctx, r).(*methods.RetrievePropertiesExBody)
	if body.Res != nil && body.Res.Returnval != nil {
		first := page(body.Res.Returnval.Objects, int(r.Options.MaxObjects))
		body.Res.Returnval = &first
	}
	return body
}

func (pc *pagingCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, r *types.ContinueRetrievePropertiesEx) soap.HasFault {
	body := &methods.ContinueRetrievePropertiesExBody{}
	pagesMu.Lock()
	p, ok := pages[r.Token]
	delete(pages, r.Token)
	pagesMu.Unlock()
	if !ok {
		body.Fault_ = simulator.Fault("unknown or already used token", &types.InvalidArgument{InvalidProperty: "token"})
		return body
	}
	body.Res = &types.ContinueRetrievePropertiesExResponse{Returnval: page(p.rest, p.size)}
	return body
}

func (pc *pagingCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, r *types.CancelRetrievePropertiesEx) soap.HasFault {
	pagesMu.Lock()
	delete(pages, r.Token)
	pagesMu.Unlock()
	return &methods.CancelRetrievePropertiesExBody{Res: &types.CancelRetrievePropertiesExResponse{}}
}
