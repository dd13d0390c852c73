/**
 * Retry policy contract: a stateless function from a peer's role and its consecutive failures to the next delay or a decision to give up. Because it keeps no state, a policy can be replaced at runtime without losing anything.
 */
@Export
@Version("1.0.0")
package io.meshnode.api.retry;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
