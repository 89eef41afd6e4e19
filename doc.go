// Package dfnskeys is a typed client for the Dfns API calls that move
// private keys into and out of Dfns: listing signers, importing and
// exporting keys (and their older wallet-level twins), listing and creating
// keys ([KeysService.All], [KeysService.Create]), asking Dfns to sign
// ([KeysService.Sign]) and proving that Dfns signs with an imported key
// ([Client.ProveKey], [Client.CheckProof]), with user-action signing, safe
// retries and typed errors.
//
// The high-level calls do everything a migration needs:
//
//	c, err := dfnskeys.NewClient(
//		dfnskeys.WithAuthToken(token),
//		dfnskeys.WithSigner(signer), // an auth.UserActionSigner, e.g. auth.NewKeySigner
//	)
//	key, err := c.ImportKey(ctx, privateKey, dfnskeys.ImportKeyOptions{Name: "treasury"})
//	recovered, faulty, err := c.ExportKey(ctx, key.ID, dfnskeys.ExportOptions{
//		Expect: keys.ExpectPublicKey(privateKey.PublicKey()), // the key you know, not the API's word
//	}) // faulty: signers whose shares were corrected
//
// ImportKey lists the signers, builds the request offline (the key is split
// and encrypted locally; see package keys), signs the user action, sends it
// and checks that Dfns reports the public key computed locally. ExportKey
// makes a one-time key pair, sends the signed export request, recombines the
// shares and checks them against the key's public key and, given
// [ExportOptions.Expect], against the key the caller knows: an API that
// answers for another key (see docs/threat-model.md §2) gets a
// [*keys.UnexpectedKeyError], and before the export is sent when it can.
//
// After an import, [Client.ProveKey] shows that Dfns can sign with the key:
// it has Dfns sign a hash and verifies the signature locally against the
// public key the caller knows (see docs/threat-model.md §8). Its request
// carries a fixed externalId, so a rerun after a crash finds the first
// request instead of signing again.
//
// # The air-gapped ceremony
//
// The key may stay on a machine that never has network access or API
// credentials. Offline, [NewImportTarget] takes a saved signers listing and
// [ImportTarget.Plan] builds the request; json.Marshal of the [ImportPlan]
// is an import request document, which holds no secret. Online, with no
// key, [Client.PlanImportRequest] checks the request's and the live
// signers against pinned ones and finds a key Dfns already holds, and
// [Client.SendImport] sends it. Exports likewise: an
// [ExportRequestDocument] made offline (its decryption key stays there),
// [Client.PlanExport] and [Client.SendExportRequest] online, and the
// [ExportResponseDocument] recovered offline with
// [keys.ExportContext.Recover] against the key the user knows. See
// docs/threat-model.md §10.
//
// # Retries and key import
//
// Reads (GET) are retried on 429, 5xx and network errors with capped
// exponential backoff and jitter, honouring Retry-After. A mutating call gets
// a fresh user-action token on every attempt and is resent only when it
// surely was not processed: a 429, or a connection that was never
// established. Any other failure after the request may have reached Dfns (a
// timeout, a dropped connection, a 5xx) is ambiguous: the call returns an
// error for which errors.Is(err, ErrAmbiguous) holds.
//
// Dfns has no idempotency key for imports, so resending an ambiguous import
// could create a second key. ImportKey never resends it: it looks for the
// key that import would have created — imported, with the same public key,
// protocol and curve (one private key can be a Dfns ECDSA key and a Schnorr
// key), active, never exported, with the same name, created no earlier than
// ten minutes (for clock skew) before the request — and returns it when found, or
// returns an *AmbiguousError saying the import may or may not have
// happened. Call [Client.ImportKey] again later: it looks for the key
// first and sends nothing when Dfns holds it.
//
// # Secrets
//
// The client never logs or puts into an error a bearer token, a user-action
// token, a request body or key material; its optional *slog.Logger sees
// method, path, status, attempt, duration and request ID only.
package dfnskeys
