package main

import (
	"fmt"

	"github.com/dfnskeys/dfnskeys/signers"
)

const pinUsage = `  --pinned-signers FILE   DFNS_PINNED_SIGNERS: a saved GET /signers response
                          ('dfnskeys signers --save FILE', fingerprints checked
                          out of band); the run stops before anything is sent
                          unless the API lists exactly these signers and keys
`

// pinnedSigners returns the signers pinned by --pinned-signers or
// DFNS_PINNED_SIGNERS, nil when neither is set. The cluster is clusterID,
// or the file's only cluster.
func pinnedSigners(e *env, flagValue, clusterID string) ([]signers.Signer, error) {
	path, what := flagValue, "--pinned-signers"
	if path == "" {
		path, what = e.getenv("DFNS_PINNED_SIGNERS"), "DFNS_PINNED_SIGNERS"
		if err := checkPathEnv(what, path); err != nil {
			return nil, err
		}
	}
	if path == "" {
		return nil, nil
	}
	data, err := readFileLimited(path, maxJSONFile, what)
	if err != nil {
		return nil, err
	}
	list, err := signers.ParseList(data)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	cluster, err := list.Cluster(clusterID)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if _, err := signers.Sort(cluster.Signers); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if len(cluster.Signers) == 0 {
		return nil, fmt.Errorf("%s %s lists no signer", what, path)
	}
	return cluster.Signers, nil
}
