// Package bulk imports many keys into Dfns in one resumable run: it streams
// JSON Lines or CSV input, imports rows concurrently, and keeps a durable
// journal so that a run killed at any moment and rerun ends with every key
// imported exactly once; see [Import]. [ImportOptions.DryRun] checks an input
// without sending anything, and [Export] exports keys back to files.
package bulk
