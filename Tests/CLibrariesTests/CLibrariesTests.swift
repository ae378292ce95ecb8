import CBLAS
import CCairo
import CGIF
import CSVM
import CYAML
import Storage
import Foundation
import XCTest

/// Each system library links and answers a known question, so a missing or broken
/// Debian package shows up here by name rather than deep inside a feature test.
final class CLibrariesTests: XCTestCase {
    func testSHA256KnownAnswers() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Incremental updates equal one update.
        var h = SHA256()
        h.update("a")
        h.update("bc")
        XCTAssertEqual(hexString(h.finalize()), SHA256.hex("abc"))
        // A million 'a' (FIPS 180-2 appendix B.3).
        XCTAssertEqual(SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSHA256OfFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("krill-sha-\(UUID()).txt")
        try Data("abc".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try SHA256.hex(fileAt: url), SHA256.hex("abc"))
    }

    func testOpenBLASDot() {
        let x: [Float] = [1, 2, 3]
        let y: [Float] = [4, 5, 6]
        XCTAssertEqual(cblas_sdot(3, x, 1, y, 1), 32)
    }

    func testLibYAMLParsesAMapping() {
        var parser = yaml_parser_t()
        XCTAssertEqual(yaml_parser_initialize(&parser), 1)
        defer { yaml_parser_delete(&parser) }
        let text = Array("seed: 42\n".utf8)
        var kinds: [yaml_event_type_t] = []
        text.withUnsafeBufferPointer { buf in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                kinds.append(event.type)
                let done = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if done { break }
            }
        }
        XCTAssertEqual(kinds, [YAML_STREAM_START_EVENT, YAML_DOCUMENT_START_EVENT, YAML_MAPPING_START_EVENT,
                               YAML_SCALAR_EVENT, YAML_SCALAR_EVENT, YAML_MAPPING_END_EVENT,
                               YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT])
    }

    func testCairoDrawsIntoAnImageSurface() {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 8, 8)
        defer { cairo_surface_destroy(surface) }
        let cr = cairo_create(surface)
        cairo_set_source_rgb(cr, 1, 0, 0)
        cairo_paint(cr)
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        let pixel = cairo_image_surface_get_data(surface)!.withMemoryRebound(to: UInt32.self, capacity: 64) { $0[0] }
        XCTAssertEqual(pixel, 0xFFFF_0000)   // opaque red, premultiplied ARGB in native order
    }

    func testLibSVMVersionAndATinyProblem() {
        XCTAssertGreaterThanOrEqual(libsvm_version, 300)
        // Two points per class on a line; a linear C-SVC separates them.
        var nodes: [[svm_node]] = [[-1.0], [-0.5], [0.5], [1.0]].map { [svm_node(index: 1, value: $0[0]), svm_node(index: -1, value: 0)] }
        var labels: [Double] = [0, 0, 1, 1]
        svm_set_print_string_function { _ in }
        nodes.withUnsafeMutableBufferPointer { rows in
            var pointers = rows.map { row -> UnsafeMutablePointer<svm_node>? in
                let p = UnsafeMutablePointer<svm_node>.allocate(capacity: row.count)
                p.initialize(from: row, count: row.count)
                return p
            }
            defer { pointers.forEach { $0?.deallocate() } }
            labels.withUnsafeMutableBufferPointer { y in
                pointers.withUnsafeMutableBufferPointer { x in
                    var problem = svm_problem(l: 4, y: y.baseAddress, x: x.baseAddress)
                    var param = svm_parameter()
                    param.svm_type = Int32(C_SVC)
                    param.kernel_type = Int32(LINEAR)
                    param.C = 10
                    param.eps = 1e-3
                    param.cache_size = 10
                    XCTAssertNil(svm_check_parameter(&problem, &param))
                    guard let model = svm_train(&problem, &param) else { return XCTFail("svm_train returned nil") }
                    var query = [svm_node(index: 1, value: 0.8), svm_node(index: -1, value: 0)]
                    XCTAssertEqual(svm_predict(model, &query), 1)
                    query[0].value = -0.8
                    XCTAssertEqual(svm_predict(model, &query), 0)
                    var m: UnsafeMutablePointer<svm_model>? = model
                    svm_free_and_destroy_model(&m)
                }
            }
        }
    }

    func testGifLibOpensAWriter() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("krill-\(UUID()).gif")
        defer { try? FileManager.default.removeItem(at: url) }
        var error: Int32 = 0
        let gif = EGifOpenFileName(url.path, false, &error)
        XCTAssertNotNil(gif, "EGifOpenFileName failed with \(error)")
        var closeError: Int32 = 0
        XCTAssertEqual(EGifCloseFile(gif, &closeError), GIF_OK)
        XCTAssertEqual(GIFLIB_MAJOR, 5)
    }
}
