/**
 * What the local stack runs. Kafka 4.1.x in KRaft mode; Apicurio Registry 3.0.9, because the 3.1
 * line named in the foundation issue is not served by Maven Central (only 3.0.9 and 3.3.x are), and
 * 3.3.x needs Java 21 while this project targets Java 17.
 */
export const KAFKA_VERSION = '4.1.1';
export const APICURIO_VERSION = '3.0.9';
/**
 * Pinned so a fetch behaves the same under every Maven version. 2.10, not 3.x: the 3.x `copy` goal
 * reads the artifact's descriptor, and Apicurio's parent POM (io.apicurio:apicurio-registry) is not
 * on Maven Central, so 3.x cannot copy the assembly; 2.10 copies it by coordinates alone.
 */
export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:2.10';
