package dev.ingestion.access;

import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.stereotype.Component;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationFilter;

/**
 * Tags every HTTP request's metrics with the name of the API key that made it ({@code none} with
 * keys off, on open pages and for refused requests). Names are few and configured, so the tag's
 * values stay few; every request carries it, as Prometheus wants one set of labels per metric.
 */
@Component
class KeyNameTag implements ObservationFilter {

    static final String TAG = "api_key";

    @Override
    public Observation.Context map(Observation.Context context) {
        if (context instanceof ServerRequestObservationContext request) {
            String name = request.getCarrier().getAttribute(Caller.ATTRIBUTE) instanceof Caller caller
                            && caller.name() != null
                    ? caller.name()
                    : "none";
            request.addLowCardinalityKeyValue(KeyValue.of(TAG, name));
        }
        return context;
    }
}
