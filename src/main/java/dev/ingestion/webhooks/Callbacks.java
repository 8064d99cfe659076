package dev.ingestion.webhooks;

import java.util.Set;

import dev.ingestion.queue.EventKind;
import dev.ingestion.store.Callback;

/** Whether a request's callback_url is taken: webhooks must be on, and the address public. */
public final class Callbacks {

    private final boolean enabled;
    private final CallbackAddresses addresses;

    /** @param enabled whether INGEST_WEBHOOK_SECRET is set: webhooks are never sent unsigned */
    public Callbacks(boolean enabled, CallbackAddresses addresses) {
        this.enabled = enabled;
        this.addresses = addresses;
    }

    /**
     * @throws CallbackRefused with a sentence for the client, when the callback is not taken
     */
    public Callback accept(String url, Set<EventKind> events) {
        if (!enabled) {
            throw new CallbackRefused("webhooks are off on this service: they are signed with INGEST_WEBHOOK_SECRET,"
                    + " which is not set");
        }
        return new Callback(addresses.checkSubmitted(url), events);
    }
}
