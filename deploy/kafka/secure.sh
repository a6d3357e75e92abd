# Sourced by kafka.sh when KAFKA_SECURITY=sasl_ssl: a SASL_SSL client listener with
# SCRAM-SHA-512 users and ACLs.
#
#   $KAFKA_HOME/ca.pem            the CA that signed the broker's certificate (give it to
#                                 clients: kafka://HOST:PORT?security=sasl_ssl&ca=PATH)
#   $KAFKA_HOME/secure/           CA key, broker keystore, truststore and the broker's own
#                                 passwords (mode 0700, files 0600); kept across restarts
#
# The client user is CARRY_KAFKA_USER with the password from CARRY_KAFKA_PASSWORD or the
# file CARRY_KAFKA_PASSWORD_FILE. Its SCRAM credential is written when the storage is
# formatted as salt and salted password, so the password itself never appears on a
# command line or in a file. ACLs let that user reach only topics and groups whose names
# begin with KAFKA_ACL_PREFIX ("carry.": Carry's topics and groups; a bus namespace must
# then begin with "carry." as well). The broker's own principals: `admin` (inter-broker
# and the ACL tool, super user) and `controller` (the KRaft controller listener, SASL
# PLAIN on loopback), with random passwords under secure/.

KAFKA_ACL_PREFIX="${KAFKA_ACL_PREFIX:-carry.}"
SCRAM_ITERATIONS=8192

secure_init() {
    SECURE="$KAFKA_HOME/secure"
    CA_PEM="$KAFKA_HOME/ca.pem"
    KEYSTORE="$SECURE/broker.p12"
    TRUSTSTORE="$SECURE/truststore.p12"
    ADMIN_PROPS="$SECURE/admin.properties"
    KEYTOOL="$JAVA_HOME/bin/keytool"
    [[ -x "$KEYTOOL" ]] || die "no keytool at $KEYTOOL (set JAVA_HOME to a JDK 17)"
    CLIENT_USER="${CARRY_KAFKA_USER:-}"
    [[ -n "$CLIENT_USER" ]] || die "KAFKA_SECURITY=sasl_ssl needs CARRY_KAFKA_USER (the user Carry connects as)"
    [[ "$CLIENT_USER" =~ ^[A-Za-z0-9._-]{1,64}$ ]] \
        || die "CARRY_KAFKA_USER may hold only letters, digits, '.', '_' and '-' (1 to 64)"
    [[ "$CLIENT_USER" != admin && "$CLIENT_USER" != controller ]] \
        || die "CARRY_KAFKA_USER may not be 'admin' or 'controller' (the broker's own users)"
    if [[ -z "${CARRY_KAFKA_PASSWORD:-}" && -z "${CARRY_KAFKA_PASSWORD_FILE:-}" ]]; then
        die "KAFKA_SECURITY=sasl_ssl needs CARRY_KAFKA_PASSWORD or CARRY_KAFKA_PASSWORD_FILE"
    fi
    if [[ -z "${CARRY_KAFKA_PASSWORD:-}" && ! -r "$CARRY_KAFKA_PASSWORD_FILE" ]]; then
        die "CARRY_KAFKA_PASSWORD_FILE $CARRY_KAFKA_PASSWORD_FILE cannot be read"
    fi
    (umask 077 && mkdir -p "$SECURE")
    chmod 700 "$SECURE"
    export STORE_PASS
    STORE_PASS="$(secret store)"
    ADMIN_PASS="$(secret admin)"
    CONTROLLER_PASS="$(secret controller)"
}

# A random secret of the broker's own, created once per KAFKA_HOME.
secret() {
    local file="$SECURE/$1.secret"
    if [[ ! -s "$file" ]]; then
        (umask 077 && "$KAFKA_PY" -c 'import secrets; print(secrets.token_urlsafe(24))' >"$file")
    fi
    cat "$file"
}

# CA and broker certificate (SAN 127.0.0.1 and localhost), made with the JDK's keytool,
# once per KAFKA_HOME: clients keep trusting ca.pem across restarts.
secure_certs() {
    if [[ -s "$CA_PEM" && -s "$KEYSTORE" && -s "$TRUSTSTORE" ]]; then
        log "reusing the CA $CA_PEM and the broker certificate"
        return 0
    fi
    local t0 ca="$SECURE/ca.p12" csr="$SECURE/broker.csr" crt="$SECURE/broker.pem"
    local kt=("$KEYTOOL" -J-Djava.io.tmpdir="$KAFKA_HOME/tmp")
    t0="$(now)"
    rm -f "$ca" "$KEYSTORE" "$TRUSTSTORE" "$CA_PEM" "$csr" "$crt"
    mkdir -p "$KAFKA_HOME/tmp" "$LOGS"
    {
        "${kt[@]}" -genkeypair -alias ca -keyalg RSA -keysize 2048 -validity 3650 \
            -dname "CN=Carry Kafka CA" -ext bc:c -ext KeyUsage=keyCertSign,cRLSign \
            -storetype PKCS12 -keystore "$ca" -storepass:env STORE_PASS
        "${kt[@]}" -exportcert -rfc -alias ca -keystore "$ca" -storepass:env STORE_PASS \
            -file "$CA_PEM"
        "${kt[@]}" -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 825 \
            -dname "CN=127.0.0.1" -ext SAN=ip:127.0.0.1,dns:localhost \
            -storetype PKCS12 -keystore "$KEYSTORE" -storepass:env STORE_PASS
        "${kt[@]}" -certreq -alias broker -keystore "$KEYSTORE" -storepass:env STORE_PASS \
            -file "$csr"
        "${kt[@]}" -gencert -alias ca -keystore "$ca" -storepass:env STORE_PASS -rfc \
            -validity 825 -infile "$csr" -outfile "$crt" \
            -ext SAN=ip:127.0.0.1,dns:localhost -ext KeyUsage=digitalSignature,keyEncipherment \
            -ext ExtendedKeyUsage=serverAuth
        "${kt[@]}" -importcert -noprompt -alias ca -file "$CA_PEM" \
            -keystore "$KEYSTORE" -storepass:env STORE_PASS
        "${kt[@]}" -importcert -noprompt -alias broker -file "$crt" \
            -keystore "$KEYSTORE" -storepass:env STORE_PASS
        "${kt[@]}" -importcert -noprompt -alias ca -file "$CA_PEM" \
            -storetype PKCS12 -keystore "$TRUSTSTORE" -storepass:env STORE_PASS
    } >"$LOGS/keytool.log" 2>&1 || { cat "$LOGS/keytool.log" >&2; die "keytool failed (see above)"; }
    chmod 600 "$SECURE"/*
    chmod 644 "$CA_PEM"
    log "CA $CA_PEM and broker certificate made with keytool in $(elapsed "$t0") s"
}

# The listener settings, written after the template's (a later key wins).
secure_props() {
    cat >>"$PROPS" <<EOF

# KAFKA_SECURITY=sasl_ssl: clients authenticate with SCRAM-SHA-512 over TLS; the
# controller listener uses SASL PLAIN on loopback; ACLs decide the rest.
listeners=SASL_SSL://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_SSL://$HOST:$KAFKA_PORT
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$CONTROLLER_PASS" user_controller="$CONTROLLER_PASS";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN_PASS";
ssl.keystore.type=PKCS12
ssl.keystore.location=$KEYSTORE
ssl.keystore.password=$STORE_PASS
ssl.key.password=$STORE_PASS
ssl.truststore.type=PKCS12
ssl.truststore.location=$TRUSTSTORE
ssl.truststore.password=$STORE_PASS
ssl.client.auth=none
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:controller
allow.everyone.if.no.acl.found=false
EOF
    chmod 600 "$PROPS"
    (umask 077 && cat >"$ADMIN_PROPS" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN_PASS";
ssl.truststore.type=PEM
ssl.truststore.location=$CA_PEM
EOF
    )
}

# `--add-scram` arguments for the storage format: the admin and the client user, each
# as salt and salted password (PBKDF2-HMAC-SHA512, as SCRAM-SHA-512 stores it).
scram_args() {
    local user pass
    for user in admin "$CLIENT_USER"; do
        if [[ "$user" == admin ]]; then pass="$ADMIN_PASS"; else pass="$(client_password)"; fi
        printf '%s\0' --add-scram
        SCRAM_PASS="$pass" "$KAFKA_PY" - "$user" "$SCRAM_ITERATIONS" <<'PY'
import base64, hashlib, os, sys
user, iterations = sys.argv[1], int(sys.argv[2])
salt = os.urandom(32)
salted = hashlib.pbkdf2_hmac("sha512", os.environ["SCRAM_PASS"].encode(), salt, iterations)
b64 = lambda b: base64.b64encode(b).decode()
sys.stdout.write(
    f'SCRAM-SHA-512=[name={user},iterations={iterations},salt="{b64(salt)}",'
    f'saltedpassword="{b64(salted)}"]\0'
)
PY
    done
}

client_password() {
    if [[ -n "${CARRY_KAFKA_PASSWORD:-}" ]]; then
        printf '%s' "$CARRY_KAFKA_PASSWORD"
    else
        # the file's content without its trailing newline, as Carry reads it
        "$KAFKA_PY" -c 'import sys; sys.stdout.write(open(sys.argv[1]).read().rstrip("\r\n"))' \
            "$CARRY_KAFKA_PASSWORD_FILE"
    fi
}

# ACLs: the client user may use topics and groups under KAFKA_ACL_PREFIX, nothing else.
secure_acls() {
    local t0 acl=("$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Djava.io.tmpdir="$KAFKA_HOME/tmp"
        "-Dlog4j.configuration=file:$LOG4J" -cp "$LIBS/*" kafka.admin.AclCommand
        --bootstrap-server "$HOST:$KAFKA_PORT" --command-config "$ADMIN_PROPS")
    t0="$(now)"
    # --producer: Write, Create and Describe on the topics; --consumer: Read on the
    # topics and the groups (Read implies Describe).
    if ! "${acl[@]}" --add --allow-principal "User:$CLIENT_USER" --resource-pattern-type prefixed \
        --topic "$KAFKA_ACL_PREFIX" --group "$KAFKA_ACL_PREFIX" --producer --consumer \
        >"$LOGS/acl.log" 2>&1; then
        cat "$LOGS/acl.log" >&2
        return 1
    fi
    log "ACLs: User:$CLIENT_USER may read, write, create and describe topics and groups prefixed '$KAFKA_ACL_PREFIX' ($(elapsed "$t0") s)"
}
