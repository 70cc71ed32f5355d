package io.vinbind.server.provisioning;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which device model a terminal is: an outcome, not an exception (a terminal no model describes, or two models
 * at once, is something to show an operator, not a failure).
 *
 * @param outcome MATCHED, NO_MATCH or AMBIGUOUS
 * @param model the model when MATCHED
 * @param candidates the models that matched equally well when AMBIGUOUS
 * @param missingFields identity the model requires that the terminal has not reported (a MATCHED terminal with
 *     missing fields cannot be provisioned yet)
 */
public record ModelMatch(Outcome outcome, Optional<DeviceModel> model, List<String> candidates,
                         List<DeviceModel.IdentityField> missingFields) {

    public enum Outcome { MATCHED, NO_MATCH, AMBIGUOUS }

    public ModelMatch {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(model, "model");
        candidates = List.copyOf(candidates);
        missingFields = List.copyOf(missingFields);
        if ((outcome == Outcome.MATCHED) != model.isPresent()) {
            throw new IllegalArgumentException("a model is present exactly when MATCHED");
        }
    }

    public Optional<String> modelId() {
        return model.map(DeviceModel::id);
    }

    public Map<String, Object> view() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outcome", outcome.name());
        model.ifPresent(d -> m.put("model", d.view()));
        if (!candidates.isEmpty()) {
            m.put("candidates", candidates);
        }
        m.put("missingFields", missingFields.stream().map(Enum::name).toList());
        return m;
    }
}
