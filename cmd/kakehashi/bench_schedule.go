package main

import "context"

// benchSchedule measures the event meeting scheduler against a greedy baseline.
func (e *Env) benchSchedule(ctx context.Context, args []string) error {
	return usageError{"bench schedule: not yet implemented"}
}
