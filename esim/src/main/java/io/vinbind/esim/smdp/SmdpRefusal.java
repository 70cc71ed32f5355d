package io.vinbind.esim.smdp;

import io.vinbind.esim.rsp.StatusCode;

/** A function call the SM-DP+ refuses: answered HTTP 200 with status Failed and the code and message. */
final class SmdpRefusal extends Exception {
    final StatusCode code;

    SmdpRefusal(StatusCode code, String message) {
        super(message);
        this.code = code;
    }
}
