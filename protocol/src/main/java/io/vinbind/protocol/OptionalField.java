package io.vinbind.protocol;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a payload record's component the sender may leave out: absent from the JSON, it decodes as {@code null}
 * ("not reported"), and a {@code null} component is left out when encoding. Lets a message gain fields within
 * {@link Protocol#VERSION} without refusing the senders that predate them. An explicit JSON {@code null} is still
 * refused: leaving the field out is the one way to say "not reported".
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface OptionalField {
}
